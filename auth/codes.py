"""Authorisation codes: 60 s, single use, and a replay revokes what the first use issued.

A code lives in Redis under its SHA-256. The token endpoint first *looks* at it and checks the
client, redirect_uri, PKCE verifier and DPoP key; only a redemption that passes every check
*consumes* it, with one atomic GETDEL, so two racing token requests cannot both win. A failed
attempt proves nothing about who holds the code (an attacker who saw it cannot make the
verifier), so it does not burn it, else one forged request would turn the legitimate
redemption into a "replay" and revoke everything; failures are counted and the code is burnt
after `MAX_FAILED_ATTEMPTS`. Consuming leaves a marker holding the grant id for a day: a second
redemption after a successful one finds it and the caller revokes that grant (RFC 6749
§4.1.2, RFC 9700 §4.5).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import KW_ONLY, asdict, dataclass

from auth.par import AuthorisationTerms

USED_MARKER_SECONDS = 86400
MAX_FAILED_ATTEMPTS = 3


@dataclass
class CodeGrant(AuthorisationTerms):
    """An issued code: the terms it was pushed with, the PSU who approved, and the grant that
    a replay revokes."""

    _: KW_ONLY
    grant_id: str
    psu_id: str


def _key(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class CodeStore:
    def __init__(self, redis_client) -> None:
        self.redis = redis_client

    def issue(self, grant: CodeGrant, lifetime: int) -> str:
        code = secrets.token_urlsafe(32)
        self.redis.set(f"code:{_key(code)}", json.dumps(asdict(grant)), ex=lifetime)
        return code

    def look(self, code) -> tuple[CodeGrant | None, str | None]:
        """(grant, None) while the code is unused; (None, grant_id) once it was redeemed;
        (None, None) if unknown, expired or burnt. Consumes nothing."""
        if not isinstance(code, str) or not code or len(code) > 256:
            return None, None
        key = _key(code)
        raw = self.redis.get(f"code:{key}")
        if raw:
            return CodeGrant(**json.loads(raw)), None
        return None, self._used(key)

    def fail(self, code: str) -> bool:
        """Count a failed redemption; True when that burnt the code."""
        key = _key(code)
        failures = self.redis.incr(f"code-fail:{key}")
        if failures == 1:
            self.redis.expire(f"code-fail:{key}", USED_MARKER_SECONDS)
        if failures >= MAX_FAILED_ATTEMPTS:
            self.redis.delete(f"code:{key}")
            return True
        return False

    def consume(self, code: str) -> tuple[CodeGrant | None, str | None]:
        """Redeem a code that passed every check: (grant, None) for the one winner;
        (None, grant_id) if another redemption consumed it first (a replay)."""
        key = _key(code)
        raw = self.redis.getdel(f"code:{key}")
        if raw:
            grant = CodeGrant(**json.loads(raw))
            self.redis.set(f"code-used:{key}", grant.grant_id, ex=USED_MARKER_SECONDS)
            return grant, None
        return None, self._used(key)

    def _used(self, key: str) -> str | None:
        used = self.redis.get(f"code-used:{key}")
        return used.decode() if used else None
