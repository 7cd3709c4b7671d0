"""The developer portal's demo sign-in: a DPoP-bound token for a demo TPP, in demo mode only.

The console at /docs runs in a browser that holds its own ES256 key pair (WebCrypto, not
extractable). It cannot authenticate as a TPP: private_key_jwt needs the TPP's private key, and
that key stays on the server, in the demo folder `flask demo load` writes. So the browser asks
`POST /docs/portal/token` with `login=<demo login>` and a DPoP proof it signed for the token
endpoint (`htm` POST, `htu` the token endpoint); this module adds the demo TPP's client
assertion and runs the ordinary token endpoint logic with that proof. The token comes out bound
(`cnf.jkt`) to the browser's key, exactly as for any other client.

Two demo logins exist:
- `payments`: the Payment App (role COP), client_credentials, scope `payee-checks`.
- `budgeting`: the Budgeting App (role AISP), scope `accounts`, for the demo customer alice. A
  PSU token needs a consent the customer authorised; the authoriser registered by the
  aggregation package (`register_demo_consent`) creates one and has alice approve it at each
  sandbox bank. This module then issues the authorisation code the PSU's redirect would have
  carried, and redeems it at the token endpoint (PKCE, private_key_jwt, the browser's DPoP
  proof). The token's refresh token is not handed to the browser: refreshing needs the client's
  key; the console asks again instead.

`init_app` registers this blueprint only when `DEMO_DATA` is on: with demo data off (every
production deployment), none of these URLs exist.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from authlib.oauth2.rfc7523 import private_key_jwt_sign
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import Blueprint, current_app, jsonify, request
from joserfc import jwk

from auth import psu
from auth import server as oauth
from auth.codes import CodeGrant
from auth.errors import OAuthError
from auth.seed import demo_dir
from core.web import db_session

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEMO_PSU = "alice"

blp = Blueprint("portal_demo", __name__, url_prefix="/docs/portal")

# (client_id, client_name, psu_id, username) -> id of a consent that PSU authorised for that
# client; raises DemoConsentUnavailable saying why none could be
ConsentAuthoriser = Callable[[str, str, str, str], str]


@dataclass(frozen=True)
class DemoLogin:
    name: str
    label: str
    client: str          # the demo client's slug in clients.json
    scope: str
    psu: str | None = None


LOGINS = (
    DemoLogin("payments", "Payment App: payee checks (UK CoP, EU VoP)", "payments",
              "payee-checks"),
    DemoLogin("budgeting", "Budgeting App: alice's accounts and balances", "budgeting",
              "accounts", DEMO_PSU),
)


class PortalUnavailable(OAuthError):
    """The demo data this login needs is not there; the message says which command fixes it."""

    status = 503


class DemoConsentUnavailable(Exception):
    """The demo customer could not authorise a consent (say, every sandbox bank refused)."""


def register_demo_consent(app, authoriser: ConsentAuthoriser) -> None:
    """Called by the package that can make the demo customer authorise a consent."""
    app.extensions["portal.consent_authoriser"] = authoriser


@blp.errorhandler(OAuthError)
def _oauth_error(error: OAuthError):
    return error.to_response()


@blp.get("/config.json")
def config():
    """What the console needs to sign in: the token endpoint its proofs name, the logins."""
    server = current_app.extensions["auth"]
    return jsonify({"demo": True, "issuer": server.issuer,
                    "token_endpoint": server.url("/token"),
                    "logins": [{"name": login.name, "label": login.label, "scope": login.scope,
                                "psu": login.psu} for login in LOGINS]})


@blp.post("/token")
def token():
    """A DPoP-bound access token for a demo login; the DPoP header is the browser's proof."""
    login = next((item for item in LOGINS if item.name == request.form.get("login")), None)
    if login is None:
        raise OAuthError("invalid_request", "login must be one of "
                         + ", ".join(item.name for item in LOGINS))
    session, server = db_session(), current_app.extensions["auth"]
    client = _demo_client(login.client)
    form = {"scope": login.scope, **_assertion(client, server.issuer)}
    if login.psu is None:
        form["grant_type"] = "client_credentials"
    else:
        form.update(_code_for(server, session, client, login))
    body = oauth.token(server, session, form, request.headers)
    body.pop("refresh_token", None)
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _demo_client(slug: str) -> dict:
    path = demo_dir(current_app) / "clients.json"
    try:
        clients = json.loads(Path(path).read_text())
        client = clients[slug]
        key = jwk.import_key(Path(client["key"]).read_bytes(), "EC")
    except (OSError, ValueError, KeyError) as exc:
        raise PortalUnavailable(
            "temporarily_unavailable",
            f"the demo clients are not loaded ({path}): run `.venv/bin/flask --app wsgi demo "
            "load` (make run does it)") from exc
    return {**client, "jwk": key}


def _assertion(client: dict, issuer: str) -> dict:
    """private_key_jwt (RFC 7523) with the demo client's key: aud the issuer, 60 s, one use."""
    value = private_key_jwt_sign(client["jwk"], client["client_id"], issuer, alg="ES256",
                                 expires_in=60)
    return {"client_assertion_type": ASSERTION_TYPE,
            "client_assertion": value.decode() if isinstance(value, bytes) else value}


def _code_for(server, session, client: dict, login: DemoLogin) -> dict:
    """The authorization_code grant's form, for a code issued after the demo PSU authorised a
    consent, as /authorize would issue it after the consent screen."""
    authoriser = current_app.extensions.get("portal.consent_authoriser")
    if authoriser is None:
        raise PortalUnavailable("temporarily_unavailable",
                                "no consent service is installed to authorise a demo consent")
    try:
        customer = psu.sign_in(session, login.psu, current_app.config["DEMO_PSU_PASSWORD"])
    except psu.SignInFailed as exc:
        raise PortalUnavailable(
            "temporarily_unavailable",
            f"the demo customer {login.psu} cannot sign in with DEMO_PSU_PASSWORD: run "
            "`.venv/bin/flask --app wsgi demo load`") from exc
    try:
        consent_id = authoriser(client["client_id"], client["name"], customer.id,
                                customer.username)
    except DemoConsentUnavailable as exc:
        raise PortalUnavailable("temporarily_unavailable", str(exc)) from exc
    verifier = secrets.token_urlsafe(48)
    code = server.codes.issue(CodeGrant(
        client_id=client["client_id"], redirect_uri=client["redirect_uri"], scope=login.scope,
        code_challenge=create_s256_code_challenge(verifier),
        grant_id=secrets.token_urlsafe(16), psu_id=customer.id, consent_id=consent_id),
        server.code_lifetime)
    return {"grant_type": "authorization_code", "code": code, "code_verifier": verifier,
            "redirect_uri": client["redirect_uri"]}
