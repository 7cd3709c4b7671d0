"""The consent's "done when", against the real sandbox banks over real HTTP: the test app is
served on a free localhost port (ISSUER = that address), a TPP creates a consent, the PSU's
browser signs in, one bank fails and is reported, two banks (UK OB and Berlin Group) are
authorised at their own sign-in pages, the consent reads back AUTH, the PSU revokes it on the
dashboard, the TPP's token gets 401 next call and the bank-side consents are deleted.

Run twice: our own calls to the mounted banks in-process (the embedded default) and over
sockets (`SANDBOX_LOOPBACK=false`), the browser's always over HTTP."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest

from consent import service
from consent.models import ConsentBank
from sandbox.state import AUTHORISED, TERMINATED_BY_TPP
from tests.consent.live import (
    PSU_PASSWORD,
    Browser,
    free_port,
    live_settings,
    load_example,
    serving,
)

AIS = "/open-banking/v4.0/aisp"  # the OB v4.0 AIS base path

CONNECT = r'/consent/authorise/[^"]+/banks/{}'
DECISION = r'/consent/authorise/[^"]+/decision'


@pytest.fixture(params=["in-process", "socket"])
def port(request):
    request.node.loopback = request.param == "in-process"
    return free_port()


@pytest.fixture
def app_settings(port, tmp_path, request):
    return live_settings(port, tmp_path, SANDBOX_LOOPBACK=request.node.loopback)


@pytest.fixture
def live(app, port):
    with serving(app, port) as client:
        yield app, f"http://127.0.0.1:{port}", client


def create_consent(tpp, permissions=("ReadAccountsDetail", "ReadBalances")):
    cc = tpp.client_token("accounts")
    created = tpp.call(f"{AIS}/account-access-consents", cc, "POST", json={
        "Data": {"Permissions": list(permissions),
                 "ExpirationDateTime": "2099-01-01T00:00:00+00:00"}, "Risk": {}})
    assert created.status_code == 201, created.text
    return cc, created.json()["Data"]["ConsentId"]


def connect(browser, screen, base, bank_id, username="alice"):
    """Press Connect, sign in at the bank's own page, come back to the consent screen."""
    to_bank = browser.post(browser.action(screen, CONNECT.format(bank_id)))
    assert to_bank.status_code == 303, to_bank.text[:500]
    location = to_bank.headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{base}/sandbox/{bank_id}/oauth/authorize?")
    assert query["redirect_uri"] == [f"{base}/consent/callback/{bank_id}"]
    assert query["code_challenge_method"] == ["S256"] and "code_verifier" not in query
    page = browser.get(location)
    assert page.status_code == 200 and "Username" in page.text
    back = browser.post(location.split("?")[0], browser.bank_form(page, username))
    assert back.headers["location"].startswith(f"{base}/consent/callback/{bank_id}?code=")
    return browser.then(browser.then(back))


@dataclass
class OnScreen:
    """A TPP's consent, and alice on its consent screen in her browser."""

    tpp: object
    cc: str
    consent_id: str
    browser: Browser
    screen: object
    verifier: str
    state: str


def to_consent_screen(base: str, client: dict) -> OnScreen:
    """The TPP creates a consent and pushes its request; alice signs in and sees the screen."""
    tpp = load_example().Tpp(base, client, out=lambda *_: None)
    tpp.discover()
    cc, consent_id = create_consent(tpp)
    details = json.dumps([{"type": "account_access_consent", "consent_id": consent_id}])
    request_uri, verifier, state = tpp.push("accounts", {"authorization_details": details})
    browser = Browser(base)
    assert browser.get(tpp.authorize_url(request_uri)).status_code == 200
    screen = browser.then(browser.post("/authorize", {
        "action": "sign_in", "request_uri": request_uri, "username": "alice",
        "password": PSU_PASSWORD}))
    assert "Budgeting App asks to see your account information" in screen.text
    return OnScreen(tpp, cc, consent_id, browser, screen, verifier, state)


def test_two_banks_then_revoked_on_the_dashboard(live):
    app, base, client = live
    banks = app.extensions["sandbox_banks"]
    on = to_consent_screen(base, client)
    tpp, cc, consent_id, browser, screen = on.tpp, on.cc, on.consent_id, on.browser, on.screen
    verifier, state = on.verifier, on.state

    banks["thamesmoor"].faults.update({"status_5xx": 503})
    failed = browser.post(browser.action(screen, CONNECT.format("thamesmoor")))
    assert failed.status_code == 502
    assert "Thames &amp; Moor Building Society could not be reached (server_error)" in failed.text
    screen = connect(browser, failed, base, "northgate")
    screen = connect(browser, screen, base, "rheinfeld")
    assert screen.text.count("Connected (") == 2 and "Not connected: server_error" in screen.text

    with app.extensions["session_factory"]() as session:
        rows = {r.bank_id: r for r in session.query(ConsentBank).filter_by(consent_id=consent_id)}
        links = {link.bank_id: link for link in service.bank_links(
            session, consent_id, adapters=app.extensions["consent"])}
    assert {b: r.status for b, r in rows.items()} == {
        "northgate": "authorised", "rheinfeld": "authorised", "thamesmoor": "failed"}
    for bank_id in ("northgate", "rheinfeld"):
        link, held = links[bank_id], banks[bank_id].consent(links[bank_id].bank_consent_id)
        assert held.status == AUTHORISED and held.psu == "alice"
        assert set(link.accounts) == set(held.accounts)
        assert link.access_token in banks[bank_id].tokens  # the bank's real token …
        assert link.access_token not in rows[bank_id].access_token  # … stored encrypted
        assert rows[bank_id].flow_secrets is None  # PKCE verifier gone after the callback

    back = browser.post(browser.action(screen, DECISION), {"action": "approve"})
    assert back.headers["location"].startswith(client["redirect_uri"])
    tokens = tpp.exchange(back.headers["location"], verifier, state)
    got = tpp.call(f"{AIS}/account-access-consents/{consent_id}", cc).json()
    assert got["Data"]["Status"] == "AUTH"
    balances = tpp.call(f"{AIS}/balances", tokens["access_token"])
    assert balances.status_code == 200, balances.text
    assert {b["Amount"]["Currency"] for b in balances.json()["Data"]["Balance"]} == {
        "GBP", "USD", "EUR"}

    dashboard = browser.then(browser.post("/psu/sign-in", {"username": "alice",
                                                           "password": PSU_PASSWORD}))
    assert "Northgate Bank" in dashboard.text and "Rheinfeld Sparkasse" in dashboard.text
    csrf = browser.action(dashboard, rf"/psu/consents/{consent_id}/revoke")
    token = dashboard.text.split('name="csrf" value="')[1].split('"')[0]
    assert browser.post(csrf, {"csrf": token}).status_code == 303

    assert tpp.call(f"{AIS}/balances", tokens["access_token"]).status_code == 401
    assert tpp.call(f"{AIS}/account-access-consents/{consent_id}",
                    tokens["access_token"]).status_code == 401
    assert tpp.call(f"{AIS}/account-access-consents/{consent_id}", cc).json()["Data"][
        "Status"] == "CANC"
    for bank_id in ("northgate", "rheinfeld"):
        assert banks[bank_id].consent(links[bank_id].bank_consent_id).status == \
            TERMINATED_BY_TPP
    status = browser.http.get(  # the bank's own view, over HTTP
        f"{base}/sandbox/rheinfeld/v1/consents/{links['rheinfeld'].bank_consent_id}/status",
        headers={"X-Request-ID": "5f0c5d7e-0b7c-4a61-9d9a-1c0f3f7f2a10"})
    assert status.json() == {"consentStatus": "terminatedByTpp"}
    events = tpp.call(f"{AIS}/account-access-consents/{consent_id}/events", cc).json()
    actions = [e["Action"] for e in events["Data"]["Event"]]
    assert actions.count("bank.authorised") == 2 and actions.count("bank.failed") == 1
    assert actions.count("bank.consent_deleted") == 2 and "consent.revoked_by_psu" in actions
    browser.close()


def test_psu_denies_at_one_bank_and_rejects(live):
    """A PSU who says no at a bank sees it on the screen; rejecting the whole consent deletes
    the bank-side consent already authorised."""
    app, base, client = live
    banks = app.extensions["sandbox_banks"]
    tpp = load_example().Tpp(base, client, out=lambda *_: None)
    tpp.discover()
    cc, consent_id = create_consent(tpp)
    details = json.dumps([{"type": "account_access_consent", "consent_id": consent_id}])
    request_uri, _, _ = tpp.push("accounts", {"authorization_details": details})
    browser = Browser(base)
    browser.get(tpp.authorize_url(request_uri))
    screen = browser.then(browser.post("/authorize", {
        "action": "sign_in", "request_uri": request_uri, "username": "bob",
        "password": PSU_PASSWORD}))
    to_bank = browser.post(browser.action(screen, CONNECT.format("thamesmoor")))
    page = browser.get(to_bank.headers["location"])
    denied = browser.post(to_bank.headers["location"].split("?")[0],
                          browser.bank_form(page, "bob", approve=False))
    screen = browser.then(browser.then(denied))
    assert "Not connected: refused_by_psu" in screen.text
    screen = connect(browser, screen, base, "rheinfeld", username="bob")

    back = browser.post(browser.action(screen, DECISION), {"action": "reject"})
    assert "error=access_denied" in back.headers["location"]
    assert tpp.call(f"{AIS}/account-access-consents/{consent_id}", cc).json()["Data"][
        "Status"] == "RJCT"
    states = [c.status for c in banks["rheinfeld"].consents.values()]
    assert states == [TERMINATED_BY_TPP]
    browser.close()


def test_example_client_consent_mode(live):
    _, base, client = live
    lines: list[str] = []
    code = load_example().run_consent(base, client, psu="carol", password=PSU_PASSWORD,
                                      banks=["thamesmoor", "rheinfeld"], out=lines.append)
    transcript = "\n".join(lines)
    assert code == 0, transcript
    assert "2 bank(s) connected" in transcript
    assert ": AUTH" in transcript and "after revocation: 401" in transcript
    assert transcript.rstrip().endswith("CANC")
