"""The PSU's consent flow at a Berlin Group bank that runs another SCA approach than the OAuth2
pre-step, over real HTTP (the app served on a free port, its sandbox banks mounted in it):

- decoupled: Connect shows the wait page (the bank's message, reloading at the bank's advised
  interval); the PSU approves in the bank's app and the next look connects the bank; the TPP
  then reads the bank's balances with the Consent-ID alone;
- decoupled, never approved: past the bank's deadline the flow gives up, the bank is
  "Not connected: sca_timeout" and the bank-side consent is deleted;
- redirect without OAuth: the PSU signs in at the bank's `scaRedirect` and comes back without
  a code; the consent's status at the bank connects it;
- embedded only: refused, "Not connected: sca_unsupported", the bank-side consent deleted.
"""

from __future__ import annotations

import json
import re

import httpx
import pytest

from aggregation.registry import DEFAULT_FILE
from consent.models import ConsentBank
from sandbox.state import AUTHORISED, TERMINATED_BY_TPP
from tests.consent.live import free_port, live_settings, serving
from tests.consent.test_live_banks import AIS, CONNECT, DECISION, to_consent_screen

WAIT = r"/consent/authorise/[^/]+/banks/rheinfeld/wait"


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def app_settings(port, tmp_path, request):
    """The registry's Rheinfeld entry with a short decoupled deadline for the give-up test."""
    deadline = getattr(request, "param", 300)
    registry = json.loads(DEFAULT_FILE.read_text())
    for entry in registry["banks"]:
        if entry["id"] == "rheinfeld":
            entry.update(sca_poll_seconds=1, sca_deadline_seconds=deadline)
    banks_file = tmp_path / "banks.json"
    banks_file.write_text(json.dumps(registry))
    return live_settings(port, tmp_path, BANKS_FILE=str(banks_file))


@pytest.fixture
def live(app, port):
    with serving(app, port) as client:
        yield app, f"http://127.0.0.1:{port}", client


def consent_screen(live, sca_approach: str, poll_seconds: int = 1):
    app, base, client = live
    bank = app.extensions["sandbox_banks"]["rheinfeld"].bank
    bank.bg_profile = bank.bg_profile.with_changes({"sca_approach": sca_approach,
                                                    "poll_seconds": poll_seconds})
    on = to_consent_screen(base, client)
    return on.tpp, on.browser, on.screen, on.consent_id, (on.verifier, on.state)


def bank_row(app, consent_id: str) -> ConsentBank:
    with app.extensions["session_factory"]() as session:
        return session.query(ConsentBank).filter_by(consent_id=consent_id,
                                                    bank_id="rheinfeld").one()


def test_decoupled_waits_for_the_app_then_connects_and_reads(live):
    app, base, client = live
    tpp, browser, screen, consent_id, (verifier, state) = consent_screen(live, "decoupled", 4)
    state_at_bank = app.extensions["sandbox_banks"]["rheinfeld"]
    to_wait = browser.post(browser.action(screen, CONNECT.format("rheinfeld")))
    assert to_wait.status_code == 303 and re.search(WAIT, to_wait.headers["location"])
    waiting = browser.get(to_wait.headers["location"])
    assert waiting.status_code == 200
    assert '<meta http-equiv="refresh" content="4">' in waiting.text  # the bank's interval
    assert "Please confirm the access in your Rheinfeld Sparkasse app." in waiting.text
    assert bank_row(app, consent_id).status == "pending"

    (found,) = state_at_bank.authorisations.values()
    approved = httpx.post(f"{base}/sandbox/rheinfeld/admin/authorisations/{found.id}",
                          json={"psu": "alice", "approve": True})
    assert approved.status_code == 200
    screen = browser.then(browser.get(to_wait.headers["location"]))
    assert "Connected (" in screen.text
    row = bank_row(app, consent_id)
    assert row.status == "authorised" and row.accounts and row.flow_secrets is None
    held = state_at_bank.consent(row.bank_consent_id)
    assert held.status == AUTHORISED and held.psu == "alice"

    back = browser.post(browser.action(screen, DECISION), {"action": "approve"})
    tokens = tpp.exchange(back.headers["location"], verifier, state)
    balances = tpp.call(f"{AIS}/balances", tokens["access_token"])
    assert balances.status_code == 200, balances.text
    assert any(b["AccountId"] for b in balances.json()["Data"]["Balance"])


@pytest.mark.parametrize("app_settings", [1], indirect=True)
def test_decoupled_never_approved_gives_up_after_the_deadline(live):
    app, _base, _client = live
    _tpp, browser, screen, consent_id, _ = consent_screen(live, "decoupled", 2)
    to_wait = browser.post(browser.action(screen, CONNECT.format("rheinfeld")))
    screen = browser.then(browser.get(to_wait.headers["location"]))  # 2 s wait > 1 s deadline
    assert "Not connected: sca_timeout" in screen.text
    row = bank_row(app, consent_id)
    assert (row.status, row.failure_reason) == ("failed", "sca_timeout")
    held = app.extensions["sandbox_banks"]["rheinfeld"].consent(row.bank_consent_id)
    assert held.status == TERMINATED_BY_TPP  # nothing half-made is left at the bank


def test_redirect_without_oauth_comes_back_without_a_code(live):
    app, base, _client = live
    _tpp, browser, screen, consent_id, _ = consent_screen(live, "redirect")
    to_bank = browser.post(browser.action(screen, CONNECT.format("rheinfeld")))
    location = to_bank.headers["location"]
    assert location.startswith(f"{base}/sandbox/rheinfeld/sca/")
    page = browser.get(location)
    back = browser.post(location, browser.bank_form(page, "alice"))
    assert back.headers["location"].startswith(f"{base}/consent/callback/rheinfeld?state=")
    assert "code=" not in back.headers["location"]
    screen = browser.then(browser.then(back))
    assert "Connected (" in screen.text
    assert bank_row(app, consent_id).status == "authorised"


def test_an_embedded_only_bank_is_not_connected_with_its_reason(live):
    app, _base, _client = live
    _tpp, browser, screen, consent_id, _ = consent_screen(live, "embedded")
    refused = browser.post(browser.action(screen, CONNECT.format("rheinfeld")))
    assert refused.status_code == 502
    assert "Not connected: sca_unsupported" in refused.text
    row = bank_row(app, consent_id)
    assert (row.status, row.failure_reason) == ("failed", "sca_unsupported")
    assert row.flow_secrets is None and row.oauth_state is None
    (held,) = app.extensions["sandbox_banks"]["rheinfeld"].consents.values()
    assert held.status == TERMINATED_BY_TPP  # the consent the bank made is not left behind
