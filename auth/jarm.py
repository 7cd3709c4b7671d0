"""JWT Secured Authorization Response Mode (JARM), as FAPI 2.0 Message Signing uses it.

A client asks for it in its pushed request with `response_mode=jwt` (for the code flow the same
as `query.jwt`). The redirect back then carries one parameter, `response`: a JWT signed with the
server's key (the JWKS at /jwks) holding `iss`, `aud` (the client_id), `exp`, `iat` and the
parameters the plain redirect would carry (`code` and `state`, or `error`, `error_description`
and `state`). The client verifies it before it uses the code: that proves the response came from
this server, for this client, unaltered. Encrypted responses are not offered.
"""

from __future__ import annotations

import time

from auth.errors import invalid_request

JWT_MODES = ("jwt", "query.jwt")
RESPONSE_MODES = ("query", *JWT_MODES)
LIFETIME = 120
RESPONSE_TYPE = "JWT"


def validate_response_mode(form) -> None:
    """At PAR: only the modes this server answers in (a code flow answers in the query)."""
    mode = form.get("response_mode")
    if mode is not None and mode not in RESPONSE_MODES:
        raise invalid_request(f"response_mode must be one of {', '.join(RESPONSE_MODES)}")


def wanted(params: dict | None) -> bool:
    return (params or {}).get("response_mode") in JWT_MODES


def response_parameters(keys, *, issuer: str, client_id: str, params: dict,
                        now: float | None = None) -> dict:
    """The redirect's query parameters: `{"response": <signed JWT>}`."""
    issued = int(time.time() if now is None else now)
    claims = {"iss": issuer, "aud": client_id, "iat": issued, "exp": issued + LIFETIME,
              **{k: v for k, v in params.items() if k != "iss"}}
    return {"response": keys.sign(claims, RESPONSE_TYPE)}
