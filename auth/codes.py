"""Authorisation codes: 60 s, single use, and a replay revokes what the first use issued.

A code lives in Redis under its SHA-256; redeeming it is one atomic GETDEL, so two racing token
requests cannot both win. Redeeming leaves a marker holding the grant id for a day: a second
redemption finds the marker and the caller revokes that grant (RFC 6749 §4.1.2).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import asdict, dataclass

USED_MARKER_SECONDS = 86400


@dataclass(frozen=True)
class CodeGrant:
    client_id: str
    redirect_uri: str
    scope: str
    code_challenge: str
    grant_id: str
    psu_id: str
    consent_id: str | None = None
    dpop_jkt: str | None = None
    nonce: str | None = None


def _key(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class CodeStore:
    def __init__(self, redis_client) -> None:
        self.redis = redis_client

    def issue(self, grant: CodeGrant, lifetime: int) -> str:
        code = secrets.token_urlsafe(32)
        self.redis.set(f"code:{_key(code)}", json.dumps(asdict(grant)), ex=lifetime)
        return code

    def redeem(self, code) -> tuple[CodeGrant | None, str | None]:
        """(grant, None) the first time; (None, grant_id) on a replay; (None, None) if unknown."""
        if not isinstance(code, str) or not code or len(code) > 256:
            return None, None
        key = _key(code)
        raw = self.redis.getdel(f"code:{key}")
        if raw:
            grant = CodeGrant(**json.loads(raw))
            self.redis.set(f"code-used:{key}", grant.grant_id, ex=USED_MARKER_SECONDS)
            return grant, None
        used = self.redis.get(f"code-used:{key}")
        return None, used.decode() if used else None
