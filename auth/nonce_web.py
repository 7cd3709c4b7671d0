"""The Flask side of DPoP server nonces (`auth.dpop_nonce`): the `use_dpop_nonce` answer at
`/token` and `/par` (RFC 9449 §8: 400 OAuth error JSON with `DPoP-Nonce`), and the current
nonce on every answer to a DPoP request where nonces are required, so a client learns the next
nonce before its own goes stale. The resource-endpoint challenge (§9: 401 with
`WWW-Authenticate: DPoP error="use_dpop_nonce"`) is raised by `auth.resource`.
"""

from __future__ import annotations

from flask import current_app, request

from auth.dpop_nonce import DpopNonces, NonceRequired, derive_secret
from auth.errors import OAuthError

EXTENSION = "auth.dpop_nonces"
# The authorisation server's endpoints that take DPoP proofs.
TOKEN_ENDPOINTS = frozenset({"oauth.token", "oauth.pushed_authorization_request"})


def nonces() -> DpopNonces:
    return current_app.extensions[EXTENSION]


def _check_token_endpoint():
    if request.endpoint not in TOKEN_ENDPOINTS:  # every other request: one set lookup
        return None
    issuer = nonces()
    proofs = request.headers.getlist("DPoP")
    if not issuer.at_token_endpoint or len(proofs) != 1:
        return None  # no proof, or several: the endpoint's own checks answer
    try:
        issuer.check(proofs[0])
    except NonceRequired as exc:
        return OAuthError("use_dpop_nonce", exc.description,
                          headers={"DPoP-Nonce": exc.nonce}).to_response()
    return None


def _send_nonce(response):
    # Read the WSGI environ directly: this runs on every answer, the payee check's included.
    if "HTTP_DPOP" not in request.environ or "DPoP-Nonce" in response.headers:
        return response
    issuer = nonces()
    if issuer.at_resources or (issuer.at_token_endpoint and request.endpoint in TOKEN_ENDPOINTS):
        response.headers["DPoP-Nonce"] = issuer.current()
    return response


def init_app(app, keys) -> None:
    app.extensions[EXTENSION] = DpopNonces(
        secret=derive_secret(app.config["DPOP_NONCE_SECRET"], keys),
        mode=app.config["DPOP_NONCE"], window=int(app.config["DPOP_NONCE_WINDOW"]))
    app.before_request(_check_token_endpoint)
    app.after_request(_send_nonce)
