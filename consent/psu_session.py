"""The PSU's signed-in session on the dashboard: a random id in an HttpOnly, SameSite=Lax
cookie, the PSU id and a CSRF token in Redis under the id's hash (so a Redis dump holds no
usable cookie). Fifteen minutes, renewed on use. Sign-in itself is the authorisation server's
(`auth.psu.sign_in`: scrypt, lock-out)."""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

COOKIE = "obh_psu"
LIFETIME = 15 * 60


@dataclass(frozen=True)
class PsuSession:
    psu_id: str
    csrf: str


def _key(session_id: str) -> str:
    return "consent:psu-session:" + hashlib.sha256(session_id.encode()).hexdigest()


def create(redis, psu_id: str) -> str:
    session_id = secrets.token_urlsafe(32)
    redis.set(_key(session_id), json.dumps({"psu_id": psu_id,
                                            "csrf": secrets.token_urlsafe(24)}), ex=LIFETIME)
    return session_id


def load(redis, session_id: str | None) -> PsuSession | None:
    if not session_id or len(session_id) > 100:
        return None
    raw = redis.get(_key(session_id))
    if not raw:
        return None
    redis.expire(_key(session_id), LIFETIME)
    data = json.loads(raw)
    return PsuSession(data["psu_id"], data["csrf"])


def end(redis, session_id: str | None) -> None:
    if session_id:
        redis.delete(_key(session_id))
