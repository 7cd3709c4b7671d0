"""Signed request objects at PAR: RFC 9101 (JAR) with the rules of FAPI 2.0 Message Signing.

A client may push its authorisation request as one JWT in the `request` parameter, signed with
a key of its registered JWKS (PS256 or ES256). The request object is then the request: its
claims are the authorisation parameters and anything else in the form is ignored (only client
authentication is read from the form). A client registered with
`require_signed_request_object` must push one.

Checked, each failure `invalid_request_object` (RFC 9101 §6.2):
- a compact JWS (no encrypted objects), `alg` PS256/ES256, `typ` absent or
  `oauth-authz-req+jwt`, signed by a key of the client;
- `iss` = the client_id, `client_id` = the client_id, `aud` = the issuer identifier (a string,
  or an array holding it);
- `exp` in the future, `nbf` not ahead of now (10 s of clock skew) and at most 60 minutes old,
  `exp` - `nbf` at most 60 minutes;
- no `request` or `request_uri` inside.
"""

from __future__ import annotations

import json
import time

from joserfc.errors import JoseError
from werkzeug.datastructures import MultiDict

from auth import registry
from auth.errors import OAuthError, invalid_request
from auth.jose import key_fits_alg, peek_signed, verify

REQUEST_OBJECT_TYPE = "oauth-authz-req+jwt"
MAX_LIFETIME = 3600      # exp - nbf, and how old nbf may be (FAPI 2.0 Message Signing)
MAX_FUTURE_SKEW = 10
JWT_CLAIMS = frozenset({"iss", "aud", "exp", "nbf", "iat", "jti", "sub"})


def invalid_request_object(description: str) -> OAuthError:
    return OAuthError("invalid_request_object", description)


def authorization_parameters(client, form, *, issuer: str, now: float | None = None,
                             jwks_fetcher=None):
    """The parameters /par validates: the verified request object's claims when the form
    carries `request`, else the form itself (refused if the client must sign its requests)."""
    if "request" not in form:
        if client.require_signed_request_object:
            raise invalid_request("this client must push a signed request object "
                                  "(the request parameter)")
        return form
    if len(form.getlist("request")) > 1:
        raise invalid_request("parameter request is repeated")
    if "request_uri" in form:
        raise invalid_request("request_uri must not be pushed")
    claims = verify_request_object(client, form.get("request"), issuer=issuer, now=now,
                                   jwks_fetcher=jwks_fetcher)
    return to_parameters(claims)


def verify_request_object(client, value, *, issuer: str, now: float | None = None,
                          jwks_fetcher=None) -> dict:
    if isinstance(value, str) and value.count(".") == 4:
        raise invalid_request_object("encrypted request objects are not supported; sign it")
    header, _, alg = peek_signed(value, invalid_request_object,
                                 malformed="request is not a signed JWT",
                                 bad_alg="request object alg must be PS256 or ES256")
    if header.get("typ", REQUEST_OBJECT_TYPE) != REQUEST_OBJECT_TYPE:
        raise invalid_request_object(f"request object typ must be {REQUEST_OBJECT_TYPE}")
    key = _client_key(client, header.get("kid"), alg, jwks_fetcher)
    try:
        claims = verify(value, key, alg)
    except (JoseError, ValueError) as exc:
        raise invalid_request_object("request object signature is invalid") from exc
    check_claims(claims, client_id=client.client_id, issuer=issuer,
                 now=time.time() if now is None else now)
    return claims


def _client_key(client, kid, alg, jwks_fetcher=None):
    try:
        keyset = registry.client_keyset(client, jwks_fetcher)
    except Exception as exc:  # noqa: BLE001 - an unreachable jwks_uri or unreadable keys
        raise invalid_request_object("the client's registered keys cannot be loaded") from exc
    for key in keyset.keys:
        if (kid is None or key.kid == kid) and key_fits_alg(key, alg):
            return key
    raise invalid_request_object("no registered key of the client verifies the request object")


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_claims(claims: dict, *, client_id: str, issuer: str, now: float) -> None:
    """The claim rules, apart from the signature (pure, for property tests)."""
    if claims.get("iss") != client_id:
        raise invalid_request_object("request object iss must be the client_id")
    if claims.get("client_id") != client_id:
        raise invalid_request_object("request object client_id must be the authenticated "
                                     "client's")
    aud = claims.get("aud")
    if not (aud == issuer or (isinstance(aud, list) and issuer in aud)):
        raise invalid_request_object("request object aud must be the issuer identifier")
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not _number(exp) or not _number(nbf):
        raise invalid_request_object("request object needs exp and nbf")
    if exp <= now:
        raise invalid_request_object("request object has expired")
    if nbf > now + MAX_FUTURE_SKEW:
        raise invalid_request_object("request object nbf is in the future")
    if nbf < now - MAX_LIFETIME:
        raise invalid_request_object("request object nbf is more than 60 minutes old")
    if exp - nbf > MAX_LIFETIME:
        raise invalid_request_object("request object exp must be at most 60 minutes after nbf")
    if "request" in claims or "request_uri" in claims:
        raise invalid_request_object("a request object must not hold request or request_uri")


def to_parameters(claims: dict) -> MultiDict:
    """Claims as form parameters: strings as they are, JSON values (claims,
    authorization_details) serialised as a form would carry them."""
    params = MultiDict()
    for name, value in claims.items():
        if name in JWT_CLAIMS or value is None:
            continue
        params[name] = value if isinstance(value, str) else json.dumps(value)
    return params
