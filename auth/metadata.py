"""RFC 8414 authorisation server metadata, from the server's settings."""

from __future__ import annotations

from auth import message_signing
from auth.jose import ALGORITHMS
from auth.scopes import SCOPE_DESCRIPTIONS


def authorization_server_metadata(server) -> dict:
    url = server.url
    algs = list(ALGORITHMS)
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
        "token_endpoint_auth_methods_supported": ["private_key_jwt", "tls_client_auth"],
        "token_endpoint_auth_signing_alg_values_supported": algs,
        "introspection_endpoint_auth_methods_supported": ["private_key_jwt", "tls_client_auth"],
        "introspection_endpoint_auth_signing_alg_values_supported": algs,
        "revocation_endpoint_auth_methods_supported": ["private_key_jwt", "tls_client_auth"],
        "revocation_endpoint_auth_signing_alg_values_supported": algs,
        "dpop_signing_alg_values_supported": algs,
        "tls_client_certificate_bound_access_tokens": True,
        "authorization_response_iss_parameter_supported": True,
        "authorization_details_types_supported": ["account_access_consent"],
        "claims_parameter_supported": True,
        "claims_supported": ["openbanking_intent_id"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algs,
        **message_signing.metadata(server),
    }
