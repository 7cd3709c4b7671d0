"""A standard OAuth client library against a live server: authlib's requests `OAuth2Session`
with its RFC 7523 `PrivateKeyJWT` client authentication, DPoP proofs made with joserfc by the
suite's fixtures — none of the project's own client code. Discovery → dynamic registration →
PAR → the PSU signs in → code → DPoP-bound token → protected call → refresh → revocation, over
real HTTP against a werkzeug server in a thread, answering DPoP nonce challenges the way
RFC 9449 §8 describes."""

from __future__ import annotations

import re
import secrets
import threading
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from authlib.oauth2.client import DEFAULT_HEADERS
from authlib.oauth2.rfc7523 import PrivateKeyJWT, private_key_jwt_sign
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwk
from werkzeug.serving import make_server

from auth import registry
from tests.fixtures.auth import PSU_PASSWORD, dpop_proof

PORT = 18451
ISSUER = f"http://127.0.0.1:{PORT}"
REDIRECT_URI = "https://interop.example/cb"


@pytest.fixture
def app_settings():
    return {"ISSUER": ISSUER}


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", PORT, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield ISSUER
    server.shutdown()
    thread.join(5)


class ShortPrivateKeyJWT(PrivateKeyJWT):
    """authlib's private_key_jwt with a 60 s assertion: its default hour is longer than the
    server accepts (FAPI 2.0 wants short-lived assertions)."""

    def sign(self, auth, token_endpoint):
        return private_key_jwt_sign(auth.client_secret, client_id=auth.client_id,
                                    token_endpoint=token_endpoint, alg=self.alg, expires_in=60)


class Dpop:
    """DPoP proofs (RFC 9449 §4) with joserfc, remembering the server's latest nonce."""

    def __init__(self) -> None:
        self.key = jwk.ECKey.generate_key("P-256")
        self.nonce: str | None = None

    def proof(self, method: str, url: str, access_token: str | None = None) -> str:
        return dpop_proof(self.key, method, url, access_token, nonce=self.nonce)

    def learn(self, resp):
        """A compliance hook: keep the nonce each answer carries."""
        self.nonce = resp.headers.get("DPoP-Nonce", self.nonce)
        return resp

    def challenged(self, resp) -> bool:
        self.learn(resp)
        if resp.status_code == 401:
            return 'error="use_dpop_nonce"' in resp.headers.get("WWW-Authenticate", "")
        return resp.status_code == 400 and resp.json().get("error") == "use_dpop_nonce"


def _with_nonce_retry(call):
    try:
        return call()
    except OAuthError as exc:
        if exc.error != "use_dpop_nonce":
            raise
        return call()  # once, with the nonce the hook kept


def _register(app, base: str, key) -> str:
    with app.extensions["session_factory"]() as session, session.begin():
        initial = registry.issue_registration_token(session, ["AISP"])
    resp = requests.post(f"{base}/register", json={
        "client_name": "Interop App", "redirect_uris": [REDIRECT_URI],
        "token_endpoint_auth_method": "private_key_jwt",
        "jwks": {"keys": [{**key.as_dict(private=False), "kid": key.thumbprint()}]},
    }, headers={"Authorization": f"Bearer {initial}"}, timeout=10)
    assert resp.status_code == 201, resp.text
    return resp.json()["client_id"]


def _psu_approves(authorize_url: str, request_uri: str) -> str:
    """The customer's browser: open the page, sign in, approve; the redirect to the TPP."""
    browser = requests.Session()
    assert browser.get(authorize_url, timeout=10).status_code == 200
    form_url = authorize_url.split("?")[0]
    page = browser.post(form_url, data={"action": "sign_in", "request_uri": request_uri,
                                        "username": "alice", "password": PSU_PASSWORD},
                        timeout=10)
    interaction = re.search(r'name="interaction" value="([^"]+)"', page.text).group(1)
    done = browser.post(form_url, data={"action": "approve", "request_uri": request_uri,
                                        "interaction": interaction},
                        allow_redirects=False, timeout=10)
    assert done.status_code == 303, done.text
    return done.headers["Location"]


def test_authlib_client_full_flow(app, live_server, make_psu):
    make_psu("alice")
    meta = requests.get(f"{live_server}/.well-known/openid-configuration", timeout=10).json()
    assert meta["issuer"] == ISSUER and meta["require_pushed_authorization_requests"]
    assert "ES256" in meta["dpop_signing_alg_values_supported"]

    key = jwk.ECKey.generate_key("P-256")
    key = jwk.ECKey.import_key({**key.as_dict(private=True), "kid": key.thumbprint()})
    client_id = _register(app, live_server, key)

    dpop = Dpop()
    session = OAuth2Session(
        client_id, key, token_endpoint_auth_method="private_key_jwt",
        revocation_endpoint_auth_method="private_key_jwt", redirect_uri=REDIRECT_URI,
        scope="accounts status", code_challenge_method="S256")
    # FAPI 2.0: the assertion's audience is the issuer identifier, not the endpoint URL.
    session.register_client_auth_method(ShortPrivateKeyJWT(meta["issuer"], alg="ES256"))
    session.register_compliance_hook("access_token_response", dpop.learn)
    session.register_compliance_hook("refresh_token_response", dpop.learn)
    token_url = meta["token_endpoint"]

    def dpop_headers(url: str) -> dict:
        return {**DEFAULT_HEADERS, "DPoP": dpop.proof("POST", url)}

    # PAR (authlib has no PAR helper: a client-authenticated POST with its auth class)
    verifier, state = secrets.token_urlsafe(48), secrets.token_urlsafe(12)
    par_url = meta["pushed_authorization_request_endpoint"]
    form = {"response_type": "code", "client_id": client_id, "scope": "accounts status",
            "redirect_uri": REDIRECT_URI, "state": state, "code_challenge_method": "S256",
            "code_challenge": create_s256_code_challenge(verifier)}

    def push():
        return session.post(par_url, data=form, auth=session.client_auth("private_key_jwt"),
                            headers={"DPoP": dpop.proof("POST", par_url)}, withhold_token=True)

    pushed = push()
    if dpop.challenged(pushed):
        pushed = push()
    assert pushed.status_code == 201, pushed.text
    request_uri = pushed.json()["request_uri"]

    authorize_url = meta["authorization_endpoint"] + "?" + urlencode(
        {"client_id": client_id, "request_uri": request_uri})
    callback = _psu_approves(authorize_url, request_uri)
    assert parse_qs(urlsplit(callback).query)["iss"] == [ISSUER]  # RFC 9207, checked by hand

    token = _with_nonce_retry(lambda: session.fetch_token(
        token_url, authorization_response=callback, state=state, code_verifier=verifier,
        headers=dpop_headers(token_url)))
    assert token["token_type"] == "DPoP" and token["refresh_token"]

    # authlib signs Bearer requests only; a DPoP call sets the scheme and proof itself.
    api = f"{live_server}/tpp/client"

    def call(access_token):
        def send():
            return session.get(api, withhold_token=True, headers={
                "Authorization": f"DPoP {access_token}",
                "DPoP": dpop.proof("GET", api, access_token)})
        resp = send()
        return send() if dpop.challenged(resp) else resp

    resp = call(token["access_token"])
    assert resp.status_code == 200, resp.text
    assert resp.json()["client_id"] == client_id

    refreshed = _with_nonce_retry(lambda: session.refresh_token(
        token_url, refresh_token=token["refresh_token"], headers=dpop_headers(token_url)))
    assert call(refreshed["access_token"]).status_code == 200

    revoked = session.revoke_token(meta["revocation_endpoint"],
                                   token=token["refresh_token"],
                                   token_type_hint="refresh_token")
    assert revoked.status_code == 200
    after = call(refreshed["access_token"])
    assert after.status_code == 401
    assert 'error="invalid_token"' in after.headers["WWW-Authenticate"]


@pytest.mark.parametrize("app_settings", [{"ISSUER": ISSUER, "DPOP_NONCE": "all"}])
def test_authlib_client_with_nonces_everywhere(app, live_server, make_psu):
    test_authlib_client_full_flow(app, live_server, make_psu)
