"""The demo customer's consent behind the portal's Budgeting App token: made through the consent
service with alice's sign-in at each sandbox bank, reused while authorised, never faked."""

from __future__ import annotations

import pytest

from auth.portal import DemoConsentUnavailable
from consent import service
from consent.audit import Actor
from consent.crypto import generate_key_spec
from consent.domain import ConsentStatus


@pytest.fixture
def app_settings():
    return {"TOKEN_ENCRYPTION_KEYS": generate_key_spec("t1"), "RATELIMIT_ENABLED": False}


@pytest.fixture
def authorise(app, make_psu):
    psu = make_psu("alice")
    authoriser = app.extensions["portal.consent_authoriser"]

    def run():
        with app.test_request_context("/docs/portal/token", method="POST",
                                      environ_base={"REMOTE_ADDR": "203.0.113.9"}):
            return authoriser("client-1", "Budgeting App", psu.id, "alice")
    return run


def links(app, consent_id):
    with app.extensions["session_factory"]() as session:
        return {link.bank_id: link for link in service.bank_links(
            session, consent_id, adapters=app.extensions["consent"])}


def test_alice_authorises_at_every_sandbox_bank_and_the_consent_is_reused(app, authorise):
    consent_id = authorise()
    with app.extensions["session_factory"]() as session:
        consent = service.get_authorised_consent(session, consent_id, "client-1")
        assert consent.status == ConsentStatus.AUTH.value
        assert sorted(consent.permissions) == ["ReadAccountsDetail", "ReadBalances"]
        events = [event.action for event in service.consent_events(
            session, "client-1", consent_id)]
    assert "consent.authorised" in events and events.count("bank.authorised") == 3, str(events)
    banks = app.extensions["sandbox_banks"]
    for bank_id, link in links(app, consent_id).items():
        held = banks[bank_id].consent(link.bank_consent_id)
        assert held.psu == "alice" and link.access_token in banks[bank_id].tokens
    assert authorise() == consent_id


def test_a_revoked_demo_consent_is_replaced_by_a_new_authorisation(app, authorise):
    first = authorise()
    with app.extensions["session_factory"]() as session:
        service.delete_consent(session, "client-1", first, actor=Actor("tpp", "client-1"),
                               adapters=app.extensions["consent"])
    second = authorise()
    assert second != first
    with app.extensions["session_factory"]() as session:
        assert service.get_authorised_consent(session, second, "client-1")


def test_when_every_bank_fails_the_error_names_each_bank(app, authorise):
    for bank in app.extensions["sandbox_banks"].values():
        bank.faults.update({"status_5xx": 503})
    with pytest.raises(DemoConsentUnavailable) as raised:
        authorise()
    for bank_id in ("northgate", "thamesmoor", "rheinfeld"):
        assert bank_id in str(raised.value)
