"""Signed introspection responses (RFC 9701) for resource servers that ask for them.

A resource server that sends `Accept: application/token-introspection+jwt` to /introspect gets
the RFC 7662 answer inside a JWT signed with the server's key: header `typ`
`token-introspection+jwt`; claims `iss` (this issuer), `aud` (the calling client's client_id),
`iat`, and `token_introspection` holding the usual members (`active`, `scope`, `client_id`,
`cnf`, …). The signature lets the resource server keep the answer as evidence, or accept it
relayed. Any other `Accept` gets the plain JSON answer.
"""

from __future__ import annotations

import time

MEDIA_TYPE = "application/token-introspection+jwt"
JWT_TYPE = "token-introspection+jwt"


def wants_jwt(accept: str | None) -> bool:
    """Whether the Accept header asks for the signed form (with a non-zero q)."""
    for item in (accept or "").split(","):
        media, *params = (part.strip() for part in item.split(";"))
        if media.lower() != MEDIA_TYPE:
            continue
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


def signed_response(keys, *, issuer: str, audience: str, body: dict,
                    now: float | None = None) -> str:
    claims = {"iss": issuer, "aud": audience, "iat": int(time.time() if now is None else now),
              "token_introspection": body}
    return keys.sign(claims, JWT_TYPE)
