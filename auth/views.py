"""OAuth endpoints: discovery, JWKS, /par, /token, /introspect, /revoke, /register.

Views only parse the form, call one function of `server`/`par`/`registry` and shape the answer.
Errors are OAuth error JSON (`auth.errors.OAuthError`), as the RFCs and every client library
expect; everything else in the API is problem+json.
"""

from __future__ import annotations

from flask import current_app, jsonify, request
from flask_smorest import Blueprint

from auth import eidas_registration, introspection, jar, jarm, mtls, par, registry
from auth import server as oauth
from auth.errors import OAuthError
from auth.jose import ALGORITHMS
from auth.metadata import authorization_server_metadata
from auth.openapi import form_doc
from auth.resource import current_access, require_token
from core.web import db_session

blp = Blueprint("oauth", __name__, description="OAuth 2.0 authorisation server (FAPI 2.0): "
                "discovery, pushed authorisation requests, tokens, introspection, revocation, "
                "dynamic client registration. Errors here are OAuth error JSON.")


@blp.errorhandler(OAuthError)
def _oauth_error(error: OAuthError):
    return error.to_response()


def _server() -> oauth.AuthServer:
    return current_app.extensions["auth"]


def _no_store(body, status=200):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/.well-known/oauth-authorization-server", methods=["GET"])
@blp.doc(**form_doc("metadata"))
def oauth_metadata():
    """Authorisation server metadata (RFC 8414)."""
    return authorization_server_metadata(_server())


@blp.route("/.well-known/openid-configuration", methods=["GET"])
@blp.doc(**form_doc("metadata"))
def openid_configuration():
    """The same metadata at the OpenID Connect discovery path, for FAPI tooling."""
    return authorization_server_metadata(_server())


@blp.route("/jwks", methods=["GET"])
@blp.doc(**form_doc("jwks"))
def jwks():
    """The server's public signing keys, by `kid` (several during a rotation)."""
    response = jsonify(_server().keys.public_jwks())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@blp.route("/par", methods=["POST"])
@blp.doc(**form_doc("par"))
def pushed_authorization_request():
    """Push an authorisation request (RFC 9126); the answer's `request_uri` opens /authorize."""
    server, session = _server(), db_session()
    client = server.authenticate_client(session, request.form, request.headers, "/par")
    form = jar.authorization_parameters(client, request.form, issuer=server.issuer,
                                        jwks_fetcher=server.jwks_fetcher)
    jarm.validate_response_mode(form)
    pushed = par.validate(client, form)
    binding = server.binding(request.headers, "POST", "/par", required=False)
    if binding is not None and binding.jkt:
        if pushed.dpop_jkt not in (None, binding.jkt):
            raise OAuthError("invalid_dpop_proof", "dpop_jkt differs from the DPoP proof's key")
        pushed.dpop_jkt = binding.jkt
    uri = server.requests.push(pushed, server.par_lifetime)
    return _no_store({"request_uri": uri, "expires_in": server.par_lifetime}, 201)


@blp.route("/token", methods=["POST"])
@blp.doc(**form_doc("token"))
def token():
    """Issue tokens: authorization_code (PKCE S256), refresh_token, client_credentials."""
    return _no_store(oauth.token(_server(), db_session(), request.form, request.headers))


@blp.route("/introspect", methods=["POST"])
@blp.doc(**form_doc("introspect"))
def introspect():
    """Token introspection (RFC 7662), for the client the token was issued to; signed
    (RFC 9701) for a caller that accepts `application/token-introspection+jwt`."""
    server, session = _server(), db_session()
    client = server.authenticate_client(session, request.form, request.headers, "/introspect")
    body = oauth.introspection_body(server, session, client, request.form)
    if not introspection.wants_jwt(request.headers.get("Accept")):
        return _no_store(body)
    response = current_app.response_class(
        introspection.signed_response(server.keys, issuer=server.issuer,
                                      audience=client.client_id, body=body),
        mimetype=introspection.MEDIA_TYPE)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/revoke", methods=["POST"])
@blp.doc(**form_doc("revoke"))
def revoke():
    """Token revocation (RFC 7009); effective on the next request in every worker."""
    oauth.revoke(_server(), db_session(), request.form, request.headers)
    return _no_store({})


@blp.route("/register", methods=["POST"])
@blp.doc(**form_doc("register"))
def register():
    """Dynamic client registration (RFC 7591): with an initial access token from the operator,
    or a software statement from the configured directory (and, where required, a QWAC)."""
    session = db_session()
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    initial = registry.redeem_registration_token(session, value.strip()
                                                 if scheme.lower() == "bearer" else None)
    body = request.get_json(silent=True)
    if initial is None and not (isinstance(body, dict) and "software_statement" in body):
        raise OAuthError("invalid_token", "a valid initial access token or a software "
                         "statement is required", status=401,
                         headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    try:
        chain = mtls.chain_from_header(request.headers.get(_server().cert_header))
        client = eidas_registration.register(session, _server().eidas, initial, body, chain)
    except mtls.CertificateError as exc:
        raise OAuthError("invalid_client_metadata", str(exc)) from exc
    except registry.RegistrationError as exc:
        raise OAuthError(exc.error, exc.description) from exc
    return _no_store(registry.client_metadata(client), 201)


@blp.route("/tpp/client", methods=["GET"])
@require_token("status")
@blp.doc(**form_doc("client"))
def calling_client():
    """The calling TPP's registration, as the registry holds it (any role; scope `status`)."""
    with current_app.extensions["session_factory"]() as session:
        client = registry.get_client(session, current_access().client_id)
        return registry.client_metadata(client)


__all__ = ["ALGORITHMS", "blp"]
