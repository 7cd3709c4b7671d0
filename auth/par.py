"""Pushed authorisation requests (RFC 9126), the only way into /authorize (FAPI 2.0).

The client posts its authorisation request, authenticated, to /par and gets an opaque
`request_uri` valid for PAR_LIFETIME seconds (< 600). The validated parameters are kept in
Redis under that URI, bound to the client; /authorize reads them (the PSU may reload the page)
and completing the authorisation consumes them, so a URI works for one authorisation only.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field

from auth.errors import OAuthError, invalid_request, invalid_scope
from auth.scopes import allowed_scopes, format_scope, parse_scope

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
SINGLE_VALUED = ("response_type", "client_id", "redirect_uri", "scope", "state", "nonce",
                 "code_challenge", "code_challenge_method", "dpop_jkt", "claims",
                 "authorization_details", "prompt", "max_age", "acr_values")
MAX_STATE_LENGTH = 1024


@dataclass
class AuthorisationTerms:
    """What a code is bound to, from the pushed request to the code exchange: the client, the
    redirect URI, the scope, the PKCE challenge, and the consent, DPoP key and nonce when
    given."""

    client_id: str
    redirect_uri: str
    scope: str
    code_challenge: str
    consent_id: str | None = None
    dpop_jkt: str | None = None
    nonce: str | None = None


@dataclass
class PushedRequest(AuthorisationTerms):
    """The validated authorisation request. Consent code reads `consent_id`, `claims`,
    `authorization_details` and `params` (every parameter as pushed)."""

    state: str | None = None
    claims: dict | None = None
    authorization_details: list | None = None
    params: dict = field(default_factory=dict)
    psu_id: str | None = None
    interaction: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, raw: bytes | str) -> PushedRequest:
        return cls(**json.loads(raw))


def validate(client, form) -> PushedRequest:
    """RFC 9126 §2.1 + FAPI 2.0: the checks /authorize would make, made now, before any PSU."""
    for name in form.keys():
        if len(form.getlist(name)) > 1:
            raise invalid_request(f"parameter {name} is repeated")
    if "request_uri" in form:
        raise invalid_request("request_uri must not be pushed")
    if form.get("client_id") not in (None, client.client_id):
        raise invalid_request("client_id does not match the authenticated client")
    if form.get("response_type") != "code":
        raise OAuthError("unsupported_response_type", "response_type must be code")
    redirect_uri = form.get("redirect_uri")
    if not redirect_uri:
        raise invalid_request("redirect_uri is required")
    if redirect_uri not in client.redirect_uris:
        raise invalid_request("redirect_uri is not registered for this client")
    challenge, method = form.get("code_challenge"), form.get("code_challenge_method")
    if not challenge:
        raise invalid_request("PKCE code_challenge is required")
    if method != "S256":
        raise invalid_request("code_challenge_method must be S256")
    if not 43 <= len(challenge) <= 128:
        raise invalid_request("code_challenge must be a base64url SHA-256 digest")
    scopes = parse_scope(form.get("scope"))
    if not scopes:
        raise invalid_scope("scope is required")
    if not scopes <= allowed_scopes(client.roles):
        raise invalid_scope("the client's roles do not allow this scope")
    for name in ("state", "nonce"):
        if len(form.get(name) or "") > MAX_STATE_LENGTH:
            raise invalid_request(f"{name} is too long")
    claims = _json_param(form, "claims", dict)
    details = _json_param(form, "authorization_details", list)
    return PushedRequest(
        client_id=client.client_id, redirect_uri=redirect_uri, scope=format_scope(scopes),
        code_challenge=challenge, state=form.get("state"), nonce=form.get("nonce"),
        dpop_jkt=form.get("dpop_jkt"), consent_id=consent_id_from(claims, details),
        claims=claims, authorization_details=details,
        params={k: form.get(k) for k in form.keys() if k not in ("client_assertion",
                                                                 "client_assertion_type")},
    )


def _json_param(form, name, kind):
    raw = form.get(name)
    if raw is None:
        return None
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise invalid_request(f"{name} must be JSON") from exc
    if not isinstance(value, kind):
        raise invalid_request(f"{name} must be a JSON {kind.__name__}")
    return value


def consent_id_from(claims: dict | None, details: list | None) -> str | None:
    """The consent an authorisation is for: UK OB `openbanking_intent_id` in `claims`
    (id_token or userinfo member), or `consent_id` in an RFC 9396 authorization_details entry."""
    for member in ("id_token", "userinfo"):
        intent = ((claims or {}).get(member) or {}).get("openbanking_intent_id")
        if isinstance(intent, dict) and isinstance(intent.get("value"), str):
            return intent["value"]
    for entry in details or []:
        if isinstance(entry, dict) and isinstance(entry.get("consent_id"), str):
            return entry["consent_id"]
    return None


class RequestStore:
    """Pushed requests in Redis: `par:<uri>` → JSON, with a TTL."""

    def __init__(self, redis_client) -> None:
        self.redis = redis_client

    def push(self, request: PushedRequest, lifetime: int) -> str:
        uri = REQUEST_URI_PREFIX + secrets.token_urlsafe(32)
        self.redis.set(f"par:{uri}", request.to_json(), ex=lifetime)
        return uri

    def load(self, uri, client_id=None) -> PushedRequest | None:
        if not isinstance(uri, str) or not uri.startswith(REQUEST_URI_PREFIX) or len(uri) > 200:
            return None
        raw = self.redis.get(f"par:{uri}")
        request = PushedRequest.from_json(raw) if raw else None
        if request is None or (client_id is not None and request.client_id != client_id):
            return None
        return request

    def save(self, uri: str, request: PushedRequest, lifetime: int) -> None:
        """Keep the request while the PSU is signed in and deciding (bank redirects take time)."""
        self.redis.set(f"par:{uri}", request.to_json(), ex=lifetime)

    def consume(self, uri: str) -> PushedRequest | None:
        raw = self.redis.getdel(f"par:{uri}")
        return PushedRequest.from_json(raw) if raw else None
