"""Business customers over HTTP against the sandbox banks: an administrator grants a consent
for the business, a viewer cannot (nor beyond an administrator's limit), a viewer sees the
business's apps and access log but cannot revoke, an administrator can; each action is on the
consent's trail with the acting user and the role."""

from __future__ import annotations

import json

import pytest

from auth.psu import find_psu
from consent import access_log
from consent.models import Consent, ConsentEvent
from core.personal_data import hash_key, pseudonym
from tests.consent.live import (
    PSU_PASSWORD,
    Browser,
    free_port,
    live_settings,
    load_example,
    serving,
)
from tests.consent.test_live_banks import AIS, DECISION, connect, create_consent


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def app_settings(port, tmp_path):
    return live_settings(port, tmp_path)


@pytest.fixture
def live(app, port):
    with serving(app, port) as client:
        base = f"http://127.0.0.1:{port}"
        tpp = load_example().Tpp(base, client, out=lambda *_: None)
        tpp.discover()
        cli = app.test_cli_runner()
        business = cli.invoke(args=["business", "create", "Acme Trading Ltd"]).output.strip()
        for username, role, extra in (("alice", "administrator", []), ("bob", "viewer", []),
                                      ("carol", "administrator", ["--max-consent-days", "30"])):
            added = cli.invoke(args=["business", "add-user", business, username, "--role", role,
                                     *extra])
            assert added.exit_code == 0, added.output
        yield app, base, tpp, business


def _to_decision(base, tpp, username):
    """A consent, pushed, signed in as `username`, one bank connected: the decision form."""
    cc, consent_id = create_consent(tpp)
    details = json.dumps([{"type": "account_access_consent", "consent_id": consent_id}])
    request_uri, verifier, state = tpp.push("accounts", {"authorization_details": details})
    browser = Browser(base)
    browser.get(tpp.authorize_url(request_uri))
    screen = browser.then(browser.post("/authorize", {
        "action": "sign_in", "request_uri": request_uri, "username": username,
        "password": PSU_PASSWORD}))
    screen = connect(browser, screen, base, "northgate", username=username)
    return browser, screen, consent_id, (cc, verifier, state)


def _status(app, consent_id):
    with app.extensions["session_factory"]() as session:
        return session.get(Consent, consent_id)


def _events(app, consent_id):
    with app.extensions["session_factory"]() as session:
        return session.query(ConsentEvent).filter_by(consent_id=consent_id).order_by(
            ConsentEvent.seq).all()


def test_a_viewer_cannot_grant_a_consent_for_the_business(live):
    app, base, tpp, business = live
    browser, screen, consent_id, _ = _to_decision(base, tpp, "bob")
    assert "Acme Trading Ltd (you are viewer)" in screen.text
    refused = browser.post(browser.action(screen, DECISION),
                           {"action": "approve", "act_for": business})
    assert refused.status_code == 403
    assert "A viewer cannot grant consents for this business." in refused.text
    assert _status(app, consent_id).status == "AWAU"


def test_an_administrators_limit_holds(live):
    app, base, tpp, business = live
    browser, screen, consent_id, _ = _to_decision(base, tpp, "carol")
    refused = browser.post(browser.action(screen, DECISION),
                           {"action": "approve", "act_for": business})
    assert refused.status_code == 403 and "at most 30 days" in refused.text
    assert _status(app, consent_id).status == "AWAU"


def test_administrator_grants_viewer_watches_administrator_revokes(live):
    app, base, tpp, business = live
    browser, screen, consent_id, (cc, verifier, state) = _to_decision(base, tpp, "alice")
    back = browser.post(browser.action(screen, DECISION),
                        {"action": "approve", "act_for": business})
    tokens = tpp.exchange(back.headers["location"], verifier, state)
    assert tpp.call(f"{AIS}/balances", tokens["access_token"]).status_code == 200
    access_log.for_app(app).flush()
    consent = _status(app, consent_id)
    assert consent.status == "AUTH" and consent.psu_id == business
    key = hash_key(app)
    authorised = [e for e in _events(app, consent_id) if e.action == "consent.authorised"][0]
    assert authorised.actor == "psu:" + pseudonym(key, _user_id(app, "alice"))
    assert authorised.details_dict()["on_behalf_of"] == business
    assert authorised.details_dict()["role"] == "administrator"

    viewer = Browser(base)
    dashboard = viewer.then(viewer.post("/psu/sign-in", {"username": "bob",
                                                         "password": PSU_PASSWORD}))
    assert "Acme Trading Ltd" in dashboard.text
    page = viewer.get(f"/psu/business/{business}")
    assert page.status_code == 200 and "Budgeting App" in page.text
    assert "balances" in page.text and "Stop sharing" not in page.text
    csrf = dashboard.text.split('name="csrf" value="')[1].split('"')[0]
    denied = viewer.post(f"/psu/business/{business}/consents/{consent_id}/revoke",
                         {"csrf": csrf})
    assert denied.status_code == 403 and _status(app, consent_id).status == "AUTH"

    admin = Browser(base)
    dashboard = admin.then(admin.post("/psu/sign-in", {"username": "alice",
                                                       "password": PSU_PASSWORD}))
    page = admin.get(f"/psu/business/{business}")
    assert "Stop sharing" in page.text
    csrf = dashboard.text.split('name="csrf" value="')[1].split('"')[0]
    done = admin.post(f"/psu/business/{business}/consents/{consent_id}/revoke", {"csrf": csrf})
    assert done.status_code == 303
    assert _status(app, consent_id).status == "CANC"
    assert tpp.call(f"{AIS}/balances", tokens["access_token"]).status_code == 401
    revoked = [e for e in _events(app, consent_id) if e.action == "consent.revoked_by_psu"][0]
    assert revoked.details_dict()["role"] == "administrator"
    assert revoked.actor == authorised.actor
    other = Browser(base).get(f"/psu/business/{business}")
    assert other.status_code == 303  # signed out: back to sign-in


def _user_id(app, username):
    with app.extensions["session_factory"]() as session:
        return find_psu(session, username).id
