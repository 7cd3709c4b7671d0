"""RFC 8414 authorisation server metadata, from the server's settings.

It advertises only what is served. The server issues no ID tokens (it is an OAuth 2.0
authorisation server, not an OpenID Provider), so no `id_token_*`, `subject_types_supported`
or `claims_supported` members, and no `openid` scope; the `claims` request parameter is served
for naming a UK Open Banking consent (`openbanking_intent_id`).
"""

from __future__ import annotations

from auth import message_signing
from auth.jose import ALGORITHMS
from auth.scopes import SCOPE_DESCRIPTIONS


def authorization_server_metadata(server) -> dict:
    url = server.url
    algs = list(ALGORITHMS)
    methods = ["private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"]
    return {
        "issuer": server.issuer,
        "authorization_endpoint": url("/authorize"),
        "token_endpoint": url("/token"),
        "pushed_authorization_request_endpoint": url("/par"),
        "require_pushed_authorization_requests": True,
        "introspection_endpoint": url("/introspect"),
        "revocation_endpoint": url("/revoke"),
        "registration_endpoint": url("/register"),
        "jwks_uri": url("/jwks"),
        "scopes_supported": sorted(SCOPE_DESCRIPTIONS),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": methods,
        "token_endpoint_auth_signing_alg_values_supported": algs,
        "introspection_endpoint_auth_methods_supported": methods,
        "introspection_endpoint_auth_signing_alg_values_supported": algs,
        "revocation_endpoint_auth_methods_supported": methods,
        "revocation_endpoint_auth_signing_alg_values_supported": algs,
        "dpop_signing_alg_values_supported": algs,
        "tls_client_certificate_bound_access_tokens": True,
        "authorization_response_iss_parameter_supported": True,
        "authorization_details_types_supported": ["account_access_consent"],
        "claims_parameter_supported": True,
        **message_signing.metadata(server),
    }
