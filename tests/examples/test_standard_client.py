"""A standard OAuth client, pointed only at `http://127.0.0.1:<PORT>` of a server started the
way `make run` starts it (migrate, demo load, gunicorn with gunicorn.conf.py) on a port that
is not 8000 and with no ISSUER set, discovers, pushes its authorisation request, authenticates
with private_key_jwt, gets DPoP-bound tokens and calls a protected endpoint.

The client is authlib's requests (or httpx) client plus DPoP proofs made with joserfc: none
of this project's code runs on the client side.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import secrets
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import jsonschema_rs
import pytest
import requests
from authlib.integrations.httpx_client import OAuth2Client
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwk, jwt

from tests.consent.live import free_port

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = json.loads((ROOT / "openapi" / "openapi.json").read_text())
BIN = Path(sys.executable).parent
# what a developer's shell may hold that would steer the server elsewhere
STEERING = ("ISSUER", "BIND", "DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL",
            "TEST_REDIS_URL", "DEMO_DIR", "SIGNING_KEYS_DIR", "TOKEN_ENCRYPTION_KEYS")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """(base URL, demo clients) of a gunicorn serving a fresh instance folder on a free port."""
    instance = tmp_path_factory.mktemp("instance")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in STEERING}
    env.update(PORT=str(port), INSTANCE_DIR=str(instance), WEB_CONCURRENCY="1",
               RATELIMIT_ENABLED="false")
    for step in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", *step], cwd=ROOT, env=env,
                       check=True, capture_output=True, timeout=180)
    server = subprocess.Popen([str(BIN / "gunicorn"), "wsgi:app", "-c", "gunicorn.conf.py"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if requests.get(f"{base}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        else:
            pytest.fail("gunicorn did not start")
        yield base, json.loads((instance / "demo" / "clients.json").read_text())
    finally:
        server.terminate()
        server.wait(timeout=30)


def dpop_proof(key, method: str, url: str, access_token: str | None = None,
               nonce: str | None = None) -> str:
    claims = {"jti": str(uuid.uuid4()), "htm": method, "htu": url, "iat": int(time.time())}
    if nonce:
        claims["nonce"] = nonce
    if access_token:
        claims["ath"] = base64.urlsafe_b64encode(
            hashlib.sha256(access_token.encode()).digest()).rstrip(b"=").decode()
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
    return jwt.encode(header, claims, key, algorithms=["ES256"])


def dpop_post(oauth: OAuth2Session, url: str, data: dict, key) -> tuple:
    """POST with authlib's private_key_jwt and a DPoP proof. A `use_dpop_nonce` challenge is
    answered once with the server's `DPoP-Nonce`, as a DPoP client does (RFC 9449 §8)."""
    nonce = None
    while True:
        resp = oauth.post(url, data=data, auth=oauth.client_auth("private_key_jwt"),
                          withhold_token=True,
                          headers={"DPoP": dpop_proof(key, "POST", url, nonce=nonce)})
        if nonce is None and resp.status_code == 400 and \
                resp.json().get("error") == "use_dpop_nonce":
            nonce = resp.headers["DPoP-Nonce"]
            continue
        return resp, resp.headers.get("DPoP-Nonce", nonce)


def session_for(meta: dict, client: dict) -> OAuth2Session:
    key = jwk.import_key(Path(client["key"]).read_bytes(), "EC")
    session = OAuth2Session(client["client_id"], key,
                            token_endpoint_auth_method="private_key_jwt",
                            redirect_uri=client["redirect_uri"])
    # FAPI 2.0: the client assertion's audience is the issuer
    session.register_client_auth_method(PrivateKeyJWT(meta["issuer"], alg="ES256"))
    return session


@pytest.mark.parametrize("document", ["oauth-authorization-server", "openid-configuration"])
def test_discovery_names_the_url_the_client_was_given(served, document):
    base, _ = served
    meta = requests.get(f"{base}/.well-known/{document}", timeout=10).json()
    assert meta["issuer"] == base  # RFC 8414 §3.3
    endpoints = [value for key, value in meta.items()
                 if key.endswith("_endpoint") or key == "jwks_uri"]
    assert endpoints and all(url.startswith(base + "/") for url in endpoints), endpoints
    assert requests.get(meta["jwks_uri"], timeout=10).json()["keys"]


def test_code_flow_with_par_private_key_jwt_and_dpop(served):
    base, clients = served
    meta = requests.get(f"{base}/.well-known/oauth-authorization-server", timeout=10).json()
    client = clients["budgeting"]
    oauth = session_for(meta, client)
    dpop_key = jwk.ECKey.generate_key("P-256")
    verifier, state = secrets.token_urlsafe(48), secrets.token_urlsafe(12)

    # PAR (RFC 9126), authenticated with private_key_jwt by authlib's client auth
    par = meta["pushed_authorization_request_endpoint"]
    pushed, nonce = dpop_post(oauth, par, {
        "response_type": "code", "client_id": client["client_id"], "scope": "accounts status",
        "redirect_uri": client["redirect_uri"], "state": state,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256"}, dpop_key)
    assert pushed.status_code == 201, pushed.text
    request_uri = pushed.json()["request_uri"]

    # the PSU's browser: open the authorisation page, sign in, approve
    browser = requests.Session()
    page = browser.get(meta["authorization_endpoint"] + "?" + urlencode(
        {"client_id": client["client_id"], "request_uri": request_uri}), timeout=10)
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    signed_in = browser.post(base + action, data={
        "action": "sign_in", "request_uri": request_uri, "username": "alice",
        "password": "open-banking-demo"}, timeout=10)
    interaction = re.search(r'name="interaction" value="([^"]+)"', signed_in.text).group(1)
    done = browser.post(base + action, data={"action": "approve", "request_uri": request_uri,
                                             "interaction": interaction},
                        allow_redirects=False, timeout=10)
    callback = done.headers["Location"]
    assert f"iss={requests.utils.quote(base, safe='')}" in callback  # RFC 9207

    token_url = meta["token_endpoint"]
    token = oauth.fetch_token(token_url, authorization_response=callback, state=state,
                              code_verifier=verifier,
                              headers={"DPoP": dpop_proof(dpop_key, "POST", token_url,
                                                          nonce=nonce)})
    assert token["token_type"] == "DPoP"

    url = f"{base}/tpp/client"
    answer = requests.get(url, timeout=10, headers={
        "Authorization": f"DPoP {token['access_token']}",
        "DPoP": dpop_proof(dpop_key, "GET", url, token["access_token"])})
    assert answer.status_code == 200, answer.text
    assert answer.json()["client_id"] == client["client_id"]


def test_client_credentials_and_a_protected_payee_check(served):
    base, clients = served
    meta = requests.get(f"{base}/.well-known/openid-configuration", timeout=10).json()
    oauth = session_for(meta, clients["payments"])
    dpop_key = jwk.ECKey.generate_key("P-256")
    token_url = meta["token_endpoint"]
    issued, _ = dpop_post(oauth, token_url, {"grant_type": "client_credentials",
                                             "scope": "payee-checks"}, dpop_key)
    assert issued.status_code == 200, issued.text
    token = issued.json()
    url = f"{base}/cop/v1/name-verifications"
    answer = requests.post(url, timeout=10, json={"Data": {
        "SchemeName": "SortCodeAccountNumber", "AccountType": "Personal",
        "Identification": "04000412345678", "Name": "J Smith"}}, headers={
        "Authorization": f"DPoP {token['access_token']}",
        "DPoP": dpop_proof(dpop_key, "POST", url, token["access_token"])})
    assert answer.status_code == 200, answer.text
    assert answer.json()["Data"]["VerificationReport"]["ReasonCode"] == "MBAM"


def documented(method: str, path: str, answer) -> list[str]:
    """What in the answer breaks the committed OpenAPI document's schema for it."""
    status = DOCUMENT["paths"][path][method]["responses"][str(answer.status_code)]
    schema = status["content"][answer.headers["content-type"].split(";")[0]]["schema"]
    # the document's own `#/components/...` references resolve against this root
    validator = jsonschema_rs.Draft202012Validator({**schema,
                                                    "components": DOCUMENT["components"]})
    return [f"{error.instance_path}: {error.message}"
            for error in validator.iter_errors(answer.json())]


def test_consent_and_balances_with_the_httpx_client_match_the_document(served):
    """authlib's httpx client: client credentials for the consent, PAR naming it (RFC 9396),
    alice connects a sandbox bank and allows access, code exchange, then the consent, accounts
    and balances read back as the committed OpenAPI document describes them."""
    base, clients = served
    meta = requests.get(f"{base}/.well-known/oauth-authorization-server", timeout=10).json()
    client = clients["budgeting"]
    oauth = OAuth2Client(client["client_id"], jwk.import_key(Path(client["key"]).read_bytes(),
                                                             "EC"),
                         token_endpoint_auth_method="private_key_jwt",
                         redirect_uri=client["redirect_uri"], timeout=60)
    oauth.register_client_auth_method(PrivateKeyJWT(meta["issuer"], alg="ES256"))
    dpop_key = jwk.ECKey.generate_key("P-256")
    nonce = {}

    def token_request(url: str, data: dict):
        for _ in range(2):
            answer = oauth.request("POST", url, data=data, withhold_token=True,
                                   auth=oauth.client_auth("private_key_jwt"),
                                   headers={"DPoP": dpop_proof(dpop_key, "POST", url,
                                                               nonce=nonce.get("value"))})
            nonce["value"] = answer.headers.get("DPoP-Nonce", nonce.get("value"))
            if answer.json().get("error") != "use_dpop_nonce":
                return answer
        return answer

    def call(method: str, path: str, token: str, **options):
        return oauth.request(method, base + path, withhold_token=True, **options, headers={
            "Authorization": f"DPoP {token}", "x-idempotency-key": str(uuid.uuid4()),
            "DPoP": dpop_proof(dpop_key, method, base + path, token)})

    consents = "/open-banking/v4.0/aisp/account-access-consents"
    issued = token_request(meta["token_endpoint"], {"grant_type": "client_credentials",
                                                    "scope": "accounts"})
    assert issued.status_code == 200, issued.text
    granting = issued.json()["access_token"]
    created = call("POST", consents, granting, json={"Data": {
        "Permissions": ["ReadAccountsBasic", "ReadBalances"],
        "ExpirationDateTime": "2099-01-01T00:00:00+00:00"}, "Risk": {}})
    assert created.status_code == 201 and not documented("post", consents, created)
    consent_id = created.json()["Data"]["ConsentId"]

    verifier, state = secrets.token_urlsafe(48), secrets.token_urlsafe(12)
    pushed = token_request(meta["pushed_authorization_request_endpoint"], {
        "response_type": "code", "client_id": client["client_id"], "scope": "accounts",
        "redirect_uri": client["redirect_uri"], "state": state,
        "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256",
        "authorization_details": json.dumps([{"type": "account_access_consent",
                                              "consent_id": consent_id}])})
    assert pushed.status_code == 201, pushed.text
    callback = psu_allows(base, meta, client, pushed.json()["request_uri"])

    token_url = meta["token_endpoint"]
    token = oauth.fetch_token(token_url, authorization_response=callback, state=state,
                              code_verifier=verifier, headers={"DPoP": dpop_proof(
                                  dpop_key, "POST", token_url, nonce=nonce.get("value"))})
    assert token["token_type"] == "DPoP"
    for path, template, bearer in (
            (f"{consents}/{consent_id}", f"{consents}/{{ConsentId}}", granting),
            ("/open-banking/v4.0/aisp/accounts", None, token["access_token"]),
            ("/open-banking/v4.0/aisp/balances?include=aggregation", None,
             token["access_token"])):
        answer = call("GET", path, bearer)
        assert answer.status_code == 200, answer.text
        assert documented("get", template or path.split("?")[0], answer) == [], path


def psu_allows(base: str, meta: dict, client: dict, request_uri: str) -> str:
    """alice signs in, connects Northgate at its own sign-in page and allows access: the
    redirect URI the TPP is sent back to."""
    browser = requests.Session()
    page = browser.get(meta["authorization_endpoint"] + "?" + urlencode(
        {"client_id": client["client_id"], "request_uri": request_uri}), timeout=30)
    action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    screen = browser.post(base + action, timeout=30, data={
        "action": "sign_in", "request_uri": request_uri, "username": "alice",
        "password": "open-banking-demo"})
    connect = re.search(r'action="([^"]+/banks/northgate)"', screen.text).group(1)
    bank_page = browser.post(base + html.unescape(connect), timeout=30)
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">',
                           bank_page.text))
    back = browser.post(bank_page.url.split("?")[0], timeout=30, data={
        **{name: html.unescape(value) for name, value in form.items()},
        "username": "alice", "password": "sandbox", "decision": "approve"})
    assert "Connected" in back.text, back.text[:500]
    decide = re.search(r'action="([^"]+/decision)"', back.text).group(1)
    done = browser.post(base + html.unescape(decide), data={"action": "approve"},
                        allow_redirects=False, timeout=30)
    assert done.status_code == 303, done.text[:500]
    return done.headers["Location"]
