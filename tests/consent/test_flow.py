"""End to end through the browser pages (test client, form posts): a TPP creates a consent,
the PSU signs in at /authorize, connects two banks (a third fails and is reported), approves;
the TPP gets code/state/iss, reads the consent back AUTH; the PSU revokes it on the dashboard
and the TPP's token stops working on the next call."""

from __future__ import annotations

import re

import pytest

from tests.consent import fake_banks
from tests.consent.conftest import consent_body
from tests.fixtures.auth import PSU_PASSWORD

PATH = "/open-banking/v4.0/aisp/account-access-consents"


@pytest.fixture
def banks(app):
    return fake_banks.install(
        app.extensions["consent"],
        fake_banks.FakeBank("alpha", "Alpha Bank"),
        fake_banks.FakeBank("beta", "Beta Bank", accounts=("b1", "b2")),
        fake_banks.FakeBank("gamma", "Gamma Bank", fail_start=True),
    )


def rar(consent_id: str) -> dict:
    import json

    return {"authorization_details": json.dumps(
        [{"type": "account_access_consent", "consent_id": consent_id}])}


def connect(client, html: str, bank_id: str, code: str = "ok"):
    action = re.search(rf'action="(/consent/authorise/[^"]+/banks/{bank_id})"', html).group(1)
    resp = client.post(action)
    if resp.status_code != 303:
        return resp
    state = fake_banks.state_of(resp.location)
    back = client.get(f"/consent/callback/{bank_id}?code={code}&state={state}")
    assert back.status_code == 303
    return client.get(back.location)


def make_driver(outcome: str, seen: dict):
    def drive(client, resp):
        if resp.status_code == 303 and "/consent/authorise/" in resp.location:
            return client.get(resp.location)
        html = resp.get_data(as_text=True)
        assert "Budget Buddy asks to see your account information" in html
        assert "See your account balances" in html
        page = connect(client, html, "gamma")
        assert page.status_code == 502 and "Gamma Bank could not be reached" in page.get_data(
            as_text=True)
        page = connect(client, page.get_data(as_text=True), "alpha")
        page = connect(client, page.get_data(as_text=True), "beta")
        html = page.get_data(as_text=True)
        seen["screen"] = html
        action = re.search(r'action="(/consent/authorise/[^"]+/decision)"', html).group(1)
        return client.post(action, data={"action": outcome})
    return drive


def test_authorise_at_two_banks_then_revoke_from_dashboard(app, make_tpp, make_psu, banks):
    tpp = make_tpp(roles=("AISP",), name="Budget Buddy")
    make_psu("alice")
    created = tpp.request("POST", PATH, scope="accounts", json=consent_body(
        ("ReadAccountsBasic", "ReadBalances"), ExpirationDateTime="2099-01-01T00:00:00Z"))
    consent_id = created.get_json()["Data"]["ConsentId"]

    seen: dict = {}
    tokens = tpp.authorize("alice", PSU_PASSWORD, "accounts", rar(consent_id),
                           drive=make_driver("approve", seen))
    assert seen["screen"].count("Connected (") == 2

    got = tpp.request("GET", f"{PATH}/{consent_id}", scope="accounts").get_json()
    assert got["Data"]["Status"] == "AUTH"
    assert [c[0] for c in banks["alpha"].calls] == ["start", "finish"]
    assert banks["alpha"].calls[1] == ("finish", "alpha-consent-1", "ok", "v-alpha")

    from consent import service

    with app.extensions["session_factory"]() as session:
        links = service.bank_links(session, consent_id, adapters=app.extensions["consent"])
    assert [(link.bank_id, link.access_token, link.accounts) for link in links] == [
        ("alpha", "at-alpha", ("acc-1",)), ("beta", "at-beta", ("b1", "b2"))]

    psu_token = tokens["access_token"]
    assert tpp.request("GET", f"{PATH}/{consent_id}", token=psu_token).status_code == 200

    browser = app.test_client()
    dashboard = browser.post("/psu/sign-in", data={"username": "alice",
                                                   "password": PSU_PASSWORD})
    assert dashboard.status_code == 303
    html = browser.get("/psu/consents").get_data(as_text=True)
    assert "Budget Buddy" in html and "Alpha Bank" in html and "Beta Bank" in html
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    assert browser.post(f"/psu/consents/{consent_id}/revoke",
                        data={"csrf": "forged"}).status_code == 403
    done = browser.post(f"/psu/consents/{consent_id}/revoke", data={"csrf": csrf})
    assert done.status_code == 303

    assert tpp.request("GET", f"{PATH}/{consent_id}", token=psu_token).status_code == 401
    after = tpp.request("GET", f"{PATH}/{consent_id}", scope="accounts").get_json()
    assert after["Data"]["Status"] == "CANC"
    assert after["Data"]["StatusReason"][0]["StatusReasonDescription"] == "Revoked by the PSU"
    assert ("delete", "alpha-consent-1", "at-alpha") in banks["alpha"].calls
    assert "No app can see your accounts" in browser.get("/psu/consents").get_data(as_text=True)

    actions = [e["Action"] for e in tpp.request(
        "GET", f"{PATH}/{consent_id}/events", scope="accounts").get_json()["Data"]["Event"]]
    assert actions == [
        "consent.created", "authorisation.started", "bank.failed",
        "bank.authorisation_started", "bank.authorised", "bank.authorisation_started",
        "bank.authorised", "consent.authorised", "consent.revoked_by_psu", "tokens.revoked",
        "bank.consent_deleted", "bank.consent_deleted"]


def test_reject(app, make_tpp, make_psu, banks):
    tpp = make_tpp(roles=("AISP",), name="Budget Buddy")
    make_psu("alice")
    consent_id = tpp.request("POST", PATH, scope="accounts", json=consent_body()).get_json()[
        "Data"]["ConsentId"]
    resp, _, _ = tpp.par("accounts", rar(consent_id))
    uri = resp.get_json()["request_uri"]
    tpp.client.get(f"/authorize?client_id={tpp.client_id}&request_uri={uri}")
    resp = tpp.client.post("/authorize", data={"action": "sign_in", "request_uri": uri,
                                               "username": "alice", "password": PSU_PASSWORD})
    page = tpp.client.get(resp.location)
    page = connect(tpp.client, page.get_data(as_text=True), "alpha")
    action = re.search(r'action="(/consent/authorise/[^"]+/decision)"',
                       page.get_data(as_text=True)).group(1)
    back = tpp.client.post(action, data={"action": "reject"})
    assert back.status_code == 303 and "error=access_denied" in back.location
    assert "iss=" in back.location
    got = tpp.request("GET", f"{PATH}/{consent_id}", scope="accounts").get_json()
    assert got["Data"]["Status"] == "RJCT"
    assert ("delete", "alpha-consent-1", "at-alpha") in banks["alpha"].calls


def test_unknown_consent_is_access_denied(app, make_tpp, make_psu, banks):
    tpp = make_tpp(roles=("AISP",))
    make_psu("alice")
    resp, _, _ = tpp.par("accounts", rar("aac-does-not-exist"))
    uri = resp.get_json()["request_uri"]
    tpp.client.get(f"/authorize?client_id={tpp.client_id}&request_uri={uri}")
    resp = tpp.client.post("/authorize", data={"action": "sign_in", "request_uri": uri,
                                               "username": "alice", "password": PSU_PASSWORD})
    assert resp.status_code == 303 and "error=access_denied" in resp.location


def test_pass_is_bound_to_the_browser(app, make_tpp, make_psu, banks):
    tpp = make_tpp(roles=("AISP",))
    make_psu("alice")
    consent_id = tpp.request("POST", PATH, scope="accounts", json=consent_body()).get_json()[
        "Data"]["ConsentId"]
    resp, _, _ = tpp.par("accounts", rar(consent_id))
    uri = resp.get_json()["request_uri"]
    tpp.client.get(f"/authorize?client_id={tpp.client_id}&request_uri={uri}")
    resp = tpp.client.post("/authorize", data={"action": "sign_in", "request_uri": uri,
                                               "username": "alice", "password": PSU_PASSWORD})
    assert tpp.client.get(resp.location).status_code == 200
    assert app.test_client().get(resp.location).status_code == 404
