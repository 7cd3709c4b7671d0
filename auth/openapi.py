"""OpenAPI documentation of the OAuth endpoints and of the security schemes.

The OAuth endpoints take form posts and answer OAuth JSON, which flask-smorest schemas don't
model well; their operation docs are written out here instead.
"""

from __future__ import annotations

from auth.scopes import SCOPE_DESCRIPTIONS

OAUTH_ERROR = {
    "description": "OAuth error (RFC 6749 §5.2): `error` code and `error_description`",
    "content": {"application/json": {"schema": {
        "type": "object", "required": ["error"],
        "properties": {"error": {"type": "string"}, "error_description": {"type": "string"}},
    }}},
}
CLIENT_AUTH = {
    "client_assertion_type": {"type": "string",
                              "const": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
    "client_assertion": {"type": "string",
                         "description": "private_key_jwt: PS256/ES256 JWT, aud = the issuer "
                                        "as a single string"},
    "client_id": {"type": "string", "description": "Required with tls_client_auth and "
                                               "self_signed_tls_client_auth"},
}
DPOP_HEADER = {"name": "DPoP", "in": "header", "required": False, "schema": {"type": "string"},
               "description": "DPoP proof (RFC 9449); omit when using mTLS-bound tokens"}


def _form(properties: dict, required=()) -> dict:
    return {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": {
        "type": "object", "properties": {**properties, **CLIENT_AUTH},
        "required": list(required)}}}}


def _json(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": {"type": "object"}}}}


DOCS = {
    "metadata": {"responses": {"200": _json("RFC 8414 metadata")}},
    "jwks": {"responses": {"200": _json("JWK Set")}},
    "par": {
        "requestBody": _form({
            "response_type": {"type": "string", "const": "code"},
            "redirect_uri": {"type": "string"}, "scope": {"type": "string"},
            "state": {"type": "string"}, "nonce": {"type": "string"},
            "code_challenge": {"type": "string"},
            "code_challenge_method": {"type": "string", "const": "S256"},
            "dpop_jkt": {"type": "string"},
            "claims": {"type": "string", "description": 'JSON; {"id_token": '
                       '{"openbanking_intent_id": {"value": "<ConsentId>"}}} names the consent'},
            "authorization_details": {"type": "string", "description": "JSON (RFC 9396); an "
                                      "entry with consent_id names the consent"},
            "response_mode": {"type": "string", "enum": ["query", "jwt", "query.jwt"],
                              "description": "jwt / query.jwt: the redirect carries one signed "
                              "`response` JWT (JARM)"},
            "request": {"type": "string", "description": "A signed request object (RFC 9101, "
                        "PS256/ES256, aud = issuer, exp - nbf <= 60 min) holding every "
                        "parameter above; the other form parameters are then ignored"},
        }, []),
        "parameters": [DPOP_HEADER],
        "responses": {"201": _json("request_uri and expires_in"), "400": OAUTH_ERROR,
                      "401": OAUTH_ERROR},
    },
    "token": {
        "requestBody": _form({
            "grant_type": {"type": "string", "enum": ["authorization_code", "refresh_token",
                                                      "client_credentials"]},
            "code": {"type": "string"}, "redirect_uri": {"type": "string"},
            "code_verifier": {"type": "string"}, "refresh_token": {"type": "string"},
            "scope": {"type": "string"},
        }, ["grant_type"]),
        "parameters": [DPOP_HEADER],
        "responses": {"200": _json("access_token (RFC 9068 JWT), token_type DPoP or Bearer, "
                                   "expires_in, scope, refresh_token"),
                      "400": OAUTH_ERROR, "401": OAUTH_ERROR},
    },
    "introspect": {
        "requestBody": _form({"token": {"type": "string"}}, ["token"]),
        "responses": {"200": {
            "description": "RFC 7662 introspection answer; with Accept: "
                           "application/token-introspection+jwt a signed JWT (RFC 9701)",
            "content": {"application/json": {"schema": {"type": "object"}},
                        "application/token-introspection+jwt": {"schema": {"type": "string"}}},
        }, "400": OAUTH_ERROR,
                      "401": OAUTH_ERROR},
    },
    "revoke": {
        "requestBody": _form({"token": {"type": "string"},
                              "token_type_hint": {"type": "string"}}, ["token"]),
        "responses": {"200": _json("Empty object, whether or not the token was known"),
                      "400": OAUTH_ERROR, "401": OAUTH_ERROR},
    },
    "register": {
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "description": "RFC 7591 client metadata: client_name, "
            "redirect_uris (https), jwks or jwks_uri, token_endpoint_auth_method "
            "(private_key_jwt | tls_client_auth | self_signed_tls_client_auth), "
            "tls_client_auth_subject_dn; or software_statement (RFC 7591 §2.3): a JWT from "
            "the configured directory whose software id, roles, redirect URIs and keys are "
            "taken, bounded by the PSD2 roles of the QWAC presented over mutual TLS"}}}},
        "responses": {"201": _json("Registered client metadata with client_id"),
                      "400": OAUTH_ERROR, "401": OAUTH_ERROR},
        "security": [{"initialAccessToken": []}, {}],
    },
    "client": {"responses": {"200": _json("The client's registration metadata (RFC 7591 "
                                          "names): client_id, client_name, roles, jwks…")}},
}


def form_doc(name: str) -> dict:
    return DOCS[name]


def register_security_schemes(api) -> None:
    api.spec.components.security_scheme("oauth2", {
        "type": "oauth2",
        "description": (
            "FAPI 2.0: access tokens are sender-constrained. Send `Authorization: DPoP <token>` "
            "with a `DPoP` proof header (RFC 9449; `htm`, `htu`, `iat`, `jti`, `ath`), or "
            "`Authorization: Bearer <token>` over mutual TLS with the certificate the token is "
            "bound to (RFC 8705). Clients authenticate with private_key_jwt, tls_client_auth or "
            "self_signed_tls_client_auth; "
            "the authorization code flow starts with a pushed authorisation request at /par."),
        "flows": {
            "clientCredentials": {"tokenUrl": "/token", "scopes": SCOPE_DESCRIPTIONS},
            "authorizationCode": {"authorizationUrl": "/authorize", "tokenUrl": "/token",
                                  "refreshUrl": "/token", "scopes": SCOPE_DESCRIPTIONS},
        },
    })
    api.spec.components.security_scheme("initialAccessToken", {
        "type": "http", "scheme": "bearer",
        "description": "Initial access token for /register, issued by the operator "
                       "(`flask --app wsgi tpp issue-registration-token`)"})
