"""The portal console's demo sign-in over HTTP: a browser key's DPoP proof in, a token bound to
that key out, with the demo TPP's private key never leaving the server; absent without demo data.
"""

from __future__ import annotations

import secrets
import time
import uuid

import pytest
from joserfc import jwk, jwt

from auth.jose import peek, sha256_b64url
from consent.api import CONSENT_EXAMPLE
from consent.crypto import generate_key_spec
from cop import demo
from tests.fixtures.auth import ISSUER

TOKEN_URL = f"{ISSUER}/token"


class Browser:
    """What the console does in the page: one ES256 key, a fresh proof per request."""

    def __init__(self, client) -> None:
        self.client = client
        self.key = jwk.ECKey.generate_key("P-256")

    def proof(self, method: str, url: str, token: str | None = None, **extra) -> str:
        claims = {"jti": secrets.token_urlsafe(12), "htm": method, "htu": url,
                  "iat": int(time.time()), **extra}
        if token:
            claims["ath"] = sha256_b64url(token)
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": self.key.as_dict(private=False)}
        return jwt.encode(header, claims, self.key, algorithms=["ES256"])

    def sign_in(self, login: str, proof: str | None = None):
        headers = {"DPoP": proof or self.proof("POST", TOKEN_URL)}
        return self.client.post("/docs/portal/token", data={"login": login}, headers=headers)

    def call(self, method: str, path: str, token: str, **kwargs):
        headers = {"Authorization": f"DPoP {token}",
                   "DPoP": self.proof(method, ISSUER + path, token), **kwargs.pop("headers", {})}
        return self.client.open(path, method=method, headers=headers, **kwargs)


@pytest.fixture
def app_settings(tmp_path):
    return {"DEMO_DIR": str(tmp_path / "demo"), "TOKEN_ENCRYPTION_KEYS": generate_key_spec("t1"),
            "RATELIMIT_ENABLED": False}


@pytest.fixture
def demo_loaded(app):
    for _, seeder in app.extensions["demo_seeders"]:
        with app.extensions["session_factory"]() as session:
            seeder(app, session)
    return app


@pytest.fixture
def browser(client):
    return Browser(client)


def test_config_names_the_token_endpoint_and_the_logins(client):
    body = client.get("/docs/portal/config.json").get_json()
    assert body["token_endpoint"] == TOKEN_URL and body["issuer"] == ISSUER
    assert {(item["name"], item["scope"]) for item in body["logins"]} == {
        ("payments", "payee-checks"), ("budgeting", "accounts")}


def test_a_payee_check_with_the_payment_app_token_is_the_documented_example(
        demo_loaded, browser):
    answer = browser.sign_in("payments")
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["token_type"] == "DPoP" and body["scope"] == "payee-checks"
    assert "refresh_token" not in body
    assert answer.headers["Cache-Control"] == "no-store"
    assert _peek(body["access_token"])["cnf"] == {"jkt": browser.key.thumbprint()}
    check = browser.call("POST", "/cop/v1/name-verifications", body["access_token"],
                         json=demo.UK_EXAMPLE)
    assert check.status_code == 200, check.get_json()
    assert check.get_json()["Data"]["VerificationReport"] == {
        "Matched": False, "ReasonCode": "MBAM", "Name": "John Andrew Smith"}


def test_the_eu_example_gets_a_real_vop_answer(demo_loaded, browser):
    token = browser.sign_in("payments").get_json()["access_token"]
    answer = browser.call("POST", "/vop/v1/payee-verifications", token, json=demo.EU_EXAMPLE,
                          headers={"X-Request-ID": str(uuid.uuid4()),
                                   "X-Request-Timestamp": time.strftime(
                                       "%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json() == {"partyNameMatch": "CMTC", "matchedName": "Jürgen Müller"}


def test_the_budgeting_token_reads_alices_balances_from_the_sandbox_banks(demo_loaded, browser):
    answer = browser.sign_in("budgeting")
    assert answer.status_code == 200, answer.get_json()
    token = answer.get_json()["access_token"]
    balances = browser.call("GET", "/open-banking/v4.0/aisp/balances", token,
                            headers={"x-fapi-customer-ip-address": "203.0.113.9"})
    assert balances.status_code == 200, balances.get_json()
    currencies = {item["Amount"]["Currency"] for item in balances.get_json()["Data"]["Balance"]}
    assert {"GBP", "EUR"} <= currencies
    # a second sign-in reuses the consent alice authorised; a token of another key is refused
    again = Browser(browser.client).sign_in("budgeting").get_json()["access_token"]
    assert _peek(again)["consent_id"] == _peek(token)["consent_id"]
    stolen = Browser(browser.client).call("GET", "/open-banking/v4.0/aisp/balances", token)
    assert stolen.status_code == 401


def test_the_consent_example_creates_a_consent_with_the_budgeting_token(demo_loaded, browser):
    spec = browser.client.get("/openapi.json").get_json()
    path = next(path for path, ops in spec["paths"].items()
                if path.endswith("/account-access-consents") and "post" in ops)
    body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    assert body["example"] == CONSENT_EXAMPLE
    token = browser.sign_in("budgeting").get_json()["access_token"]
    created = browser.call("POST", path, token, json=CONSENT_EXAMPLE)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["Data"]["Status"] == "AWAU"


def test_the_token_is_refused_without_a_valid_proof_for_the_token_endpoint(
        demo_loaded, browser):
    missing = browser.client.post("/docs/portal/token", data={"login": "payments"})
    assert missing.status_code == 400
    assert "sender-constrained" in missing.get_json()["error_description"]
    elsewhere = browser.sign_in("payments", browser.proof("POST", f"{ISSUER}/docs/portal/token"))
    assert elsewhere.get_json()["error"] == "invalid_dpop_proof"
    stale = browser.sign_in("payments", browser.proof("POST", TOKEN_URL,
                                                      iat=int(time.time()) - 3600))
    assert stale.get_json()["error"] == "invalid_dpop_proof"


def test_an_unknown_login_is_an_oauth_error_naming_the_logins(browser):
    answer = browser.sign_in("admin")
    assert answer.status_code == 400
    assert answer.get_json() == {"error": "invalid_request",
                                 "error_description": "login must be one of payments, budgeting"}


def test_without_demo_data_loaded_the_answer_names_the_command(browser):
    answer = browser.sign_in("payments")
    assert answer.status_code == 503
    assert "flask --app wsgi demo load" in answer.get_json()["error_description"]


def _peek(token: str) -> dict:
    return peek(token)[1]
