"""How a sandbox bank authenticates a client at its token and PAR endpoints: private_key_jwt
(RFC 7523) verified with the client's registered keys, ES256/PS256 only, each assertion once;
and HTTP Basic credentials (client_secret_basic)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry

from sandbox.state import BankState

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ALGS = ("ES256", "PS256")


def verify_assertion(state: BankState, assertion: str,
                      audiences: set[str]) -> tuple[str | None, str]:
    """private_key_jwt (RFC 7523): signature by a registered key, ES256/PS256 only."""
    try:
        header = jws.extract_compact(assertion.encode()).protected  # read before verifying
    except (JoseError, ValueError):
        return None, "malformed client assertion"
    alg = header.get("alg")
    if alg not in ALGS:
        return None, "client assertions are signed ES256 or PS256"
    for client in state.bank.clients.values():
        for jwk in client.jwks:
            try:
                token = jwt.decode(assertion, JWKRegistry.import_key(jwk), algorithms=[alg])
            except (JoseError, ValueError, TypeError):
                continue
            return _check_claims(state, client.client_id, token.claims, audiences)
    return None, "no registered key verifies the client assertion"


def _check_claims(state: BankState, client_id: str, claims: dict,
                  audiences: set[str]) -> tuple[str | None, str]:
    now = state.now().timestamp()
    aud = claims.get("aud")
    aud = set(aud) if isinstance(aud, list) else {aud}
    if claims.get("iss") != client_id or claims.get("sub") != client_id:
        return None, "iss and sub must be the client_id"
    if not aud & audiences:
        return None, "wrong audience"
    exp, iat = claims.get("exp"), claims.get("iat", now)
    if not isinstance(exp, int | float) or exp <= now or exp - iat > 300 or iat > now + 60:
        return None, "assertion expired or too long-lived"
    if not isinstance(claims.get("jti"), str) or not state.remember_jti(
            claims["jti"], dt.datetime.fromtimestamp(exp, dt.UTC)):
        return None, "assertion replayed"
    return client_id, ""


def basic_credentials(header: str) -> tuple[str | None, str | None]:
    if not header.startswith("Basic "):
        return None, None
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return client_id, secret
