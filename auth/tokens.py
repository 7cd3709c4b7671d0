"""Access tokens (RFC 9068 JWTs signed by the server) and refresh tokens (opaque), all recorded.

Every token is a row in `oauth_tokens`, the source of truth for revocation. Access tokens carry
everything the resource check needs (client, scope, PSU, consent, grant id `gid`), so that check
reads no row: revocation also writes Redis markers (`auth.revocation`) every worker sees on the
next request. Access tokens are sender-constrained: `cnf.jkt` (DPoP key thumbprint) or
`cnf.x5t#S256` (mTLS certificate thumbprint).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass

from joserfc.errors import JoseError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from auth import revocation
from auth.jose import ALGORITHMS, MalformedJwt, key_fits_alg, peek, verify
from auth.keys import SigningKeys
from auth.models import IssuedToken
from core.db import utcnow

ACCESS_TOKEN_TYPE = "at+jwt"


class TokenError(Exception):
    """The token is not valid here; the message is safe to show the client."""


@dataclass(frozen=True)
class Binding:
    """What a token is bound to: a DPoP key (`jkt`) or a TLS certificate (`x5t`)."""

    jkt: str | None = None
    x5t: str | None = None

    def cnf(self) -> dict:
        return {"jkt": self.jkt} if self.jkt else {"x5t#S256": self.x5t}

    @classmethod
    def of(cls, record: IssuedToken) -> Binding:
        return cls(jkt=record.cnf_jkt, x5t=record.cnf_x5t)


@dataclass(frozen=True)
class Grant:
    """Who and what a token speaks for; shared by the access and refresh tokens of one grant."""

    client_id: str
    scope: str
    grant_id: str
    psu_id: str | None = None
    consent_id: str | None = None


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def issue_access_token(session: Session, keys: SigningKeys, *, issuer: str, grant: Grant,
                       binding: Binding, lifetime: int) -> tuple[str, IssuedToken]:
    now = int(time.time())
    jti = secrets.token_urlsafe(24)
    claims = {
        "iss": issuer, "sub": grant.psu_id or grant.client_id, "aud": issuer,
        "client_id": grant.client_id, "scope": grant.scope, "jti": jti,
        "iat": now, "exp": now + lifetime, "cnf": binding.cnf(), "gid": grant.grant_id,
    }
    if grant.psu_id:
        claims["psu_id"] = grant.psu_id
    if grant.consent_id:
        claims["consent_id"] = grant.consent_id
    epoch = revocation.client_epoch(session, grant.client_id)
    if epoch:
        claims[revocation.EPOCH_CLAIM] = epoch
    record = IssuedToken(
        id=jti, kind="access", client_id=grant.client_id, psu_id=grant.psu_id,
        consent_id=grant.consent_id, scope=grant.scope, cnf_jkt=binding.jkt,
        cnf_x5t=binding.x5t, grant_id=grant.grant_id,
        issued_at=dt.datetime.fromtimestamp(now, dt.UTC),
        expires_at=dt.datetime.fromtimestamp(now + lifetime, dt.UTC),
    )
    session.add(record)
    return keys.sign(claims, ACCESS_TOKEN_TYPE), record


def issue_refresh_token(session: Session, *, grant: Grant, binding: Binding, lifetime: int
                        ) -> str:
    value = secrets.token_urlsafe(32)
    session.add(IssuedToken(
        id=secrets.token_urlsafe(24), kind="refresh", token_hash=_hash(value),
        client_id=grant.client_id, psu_id=grant.psu_id, consent_id=grant.consent_id,
        scope=grant.scope, cnf_jkt=binding.jkt, cnf_x5t=binding.x5t, grant_id=grant.grant_id,
        issued_at=utcnow(), expires_at=utcnow() + dt.timedelta(seconds=lifetime),
    ))
    return value


VERIFIED_CACHE_SIZE = 10_000


def verify_access_token(keys: SigningKeys, token: str, *, issuer: str,
                        now: float | None = None) -> dict:
    """Signature, type, issuer, audience and expiry; revocation is the caller's job.

    A token whose signature and claims verified once is remembered by this process (the same
    bytes verify the same way against the same keys, which a worker loads once): a TPP sends
    the same token for minutes, and the signature check is the costliest step of a cached
    read. Expiry is checked again on every call."""
    now = time.time() if now is None else now
    remembered = keys.__dict__.setdefault("_verified", {})
    claims = remembered.get((issuer, token))
    if claims is not None:
        if claims["exp"] <= now:
            raise TokenError("the access token has expired")
        return claims
    claims = _verify_access_token(keys, token, issuer=issuer, now=now)
    if len(remembered) >= VERIFIED_CACHE_SIZE:
        remembered.clear()
    remembered[(issuer, token)] = claims
    return claims


def _verify_access_token(keys: SigningKeys, token: str, *, issuer: str, now: float) -> dict:
    try:
        header, _ = peek(token)
    except MalformedJwt as exc:
        raise TokenError("the access token is malformed") from exc
    alg = header.get("alg")
    key = keys.verification_key(header.get("kid")) if isinstance(header.get("kid"), str) else None
    if alg not in ALGORITHMS or key is None or not key_fits_alg(key, alg):
        raise TokenError("the access token was not issued here")
    if header.get("typ") != ACCESS_TOKEN_TYPE:
        raise TokenError("the access token is not an at+jwt")
    try:
        claims = verify(token, key, alg)
    except (JoseError, ValueError) as exc:
        raise TokenError("the access token signature is invalid") from exc
    exp = claims.get("exp")
    if claims.get("iss") != issuer or claims.get("aud") != issuer:
        raise TokenError("the access token was not issued for this server")
    if not isinstance(exp, int | float) or isinstance(exp, bool) or exp <= now:
        raise TokenError("the access token has expired")
    if not isinstance(claims.get("jti"), str) or not isinstance(claims.get("cnf"), dict):
        raise TokenError("the access token is malformed")
    return claims


def active_record(session: Session, token_id: str, kind: str = "access") -> IssuedToken | None:
    record = session.get(IssuedToken, token_id)
    if record is None or record.kind != kind or record.revoked_at is not None:
        return None
    if record.expires_at <= utcnow():
        return None
    return record


def find_refresh_token(session: Session, value) -> IssuedToken | None:
    if not isinstance(value, str) or not value or len(value) > 512:
        return None
    record = session.scalars(
        select(IssuedToken).where(IssuedToken.token_hash == _hash(value))
    ).one_or_none()
    return record if record is not None and record.kind == "refresh" else None


# Each revocation writes its Redis marker inside the caller's transaction, before it commits
# (see auth.revocation for what happens when Redis cannot take it).

def revoke_record(session: Session, record: IssuedToken) -> None:
    """Revoke one token; revoking a refresh token also revokes its grant's access tokens."""
    if record.kind == "refresh":
        revoke_grant(session, record.grant_id)
    elif record.revoked_at is None:
        now = utcnow()
        record.revoked_at = now
        _mark(session, {revocation.jti_key(record.id):
                        revocation.MARGIN_SECONDS
                        + max(1, int((record.expires_at - now).total_seconds()) + 1)})


def revoke_grant(session: Session, grant_id: str) -> int:
    return _revoke_all(session, IssuedToken.grant_id == grant_id,
                       revocation.grant_key(grant_id))


def revoke_consent(session: Session, consent_id: str) -> int:
    """Every token issued under a consent; the consent package calls this when it is revoked."""
    return _revoke_all(session, IssuedToken.consent_id == consent_id,
                       revocation.consent_key(consent_id))


def _revoke_all(session: Session, which, key: str) -> int:
    """Revoke every live token `which` selects and mark `key` revoked; how many were live."""
    result = session.execute(
        update(IssuedToken)
        .where(which, IssuedToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    _mark(session, {key: None})
    return result.rowcount or 0


def _mark(session: Session, keys: dict[str, int | None]) -> None:
    markers = revocation.for_session(session)
    if markers is not None:
        markers.mark({k: markers.ttl if v is None else v for k, v in keys.items()})
