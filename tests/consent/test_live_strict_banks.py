"""The consent flow against UK sandbox banks held to the OB security profile, over real HTTP:
northgate answers hybrid (`code id_token` in the URL fragment, which the callback page posts
back), thamesmoor answers with JARM (`response` in the query). The flow has the connector check
the answer (ID token or JARM response, against the state and nonce it kept) before the code
is exchanged; an answer that fails a check ends that bank's step with the check's name."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from aggregation.registry import DEFAULT_FILE
from consent.models import ConsentBank
from sandbox.settings import bank_profiles
from tests.consent.live import Browser, free_port, live_settings, serving
from tests.consent.test_live_banks import CONNECT, DECISION, to_consent_screen

STRICT = {"northgate": "hybrid", "thamesmoor": "jarm"}
DISCOVERY = "{SANDBOX}/.well-known/openid-configuration"


def strict_banks_file(folder: Path) -> Path:
    """The default registry, with northgate and thamesmoor reached under the OB profile."""
    banks = json.loads(DEFAULT_FILE.read_text())
    for entry in banks["banks"]:
        if entry["id"] in STRICT:
            entry["discovery_url"] = DISCOVERY  # a FAPI bank takes no client secret
            entry["client"] = {"client_id": entry["client"]["client_id"],
                               "auth_method": "private_key_jwt", "signing_alg": "PS256",
                               "signing_key_ref": f"file:bank-clients/{entry['id']}-ps256.pem"}
    path = folder / "strict-banks.json"
    path.write_text(json.dumps(banks))
    return path


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def app_settings(port, tmp_path):
    profiles = ",".join(f"{bank}={switch}" for bank, switch in STRICT.items())
    return live_settings(port, tmp_path, BANKS_FILE=str(strict_banks_file(tmp_path)),
                         SANDBOX_BANK_PROFILES=bank_profiles(profiles))


@pytest.fixture
def live(app, port):
    with serving(app, port) as client:
        yield app, f"http://127.0.0.1:{port}", client


def to_bank_and_back(browser, screen, base, bank_id, username="alice"):
    """Connect, sign in at the strict bank's page; the browser's request back to us."""
    to_bank = browser.post(browser.action(screen, CONNECT.format(bank_id)))
    assert to_bank.status_code == 303, to_bank.text[:500]
    location = to_bank.headers["location"]
    assert location.startswith(f"{base}/sandbox/{bank_id}/oauth/authorize?")
    assert "openbanking_intent_id" not in location  # only inside the signed request object
    page = browser.get(location)
    assert page.status_code == 200 and "Username" in page.text, page.text[:500]
    back = browser.post(location.split("?")[0], browser.bank_form(page, username))
    assert back.status_code == 303, back.text[:500]
    return back.headers["location"]


def through_callback(browser, back: str):
    """What the PSU's browser does with the bank's answer: a query answer is read by the
    callback itself; a fragment answer gets the callback page, whose script posts the
    fragment's parameters to the form's action."""
    url = urlsplit(back)
    if not url.fragment:
        return browser.get(back)
    page = browser.get(back.split("#")[0])  # a browser never sends the fragment
    assert page.status_code == 200
    assert "<script>" not in page.text  # the CSP forbids inline script
    script = re.search(r'<script src="([^"]+)"></script>', page.text).group(1)
    assert browser.get(script).status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    return browser.post(browser.action(page, r"/consent/callback/[^\"]+"),
                        dict(parse_qsl(url.fragment)))


def statuses(app, consent_id):
    with app.extensions["session_factory"]() as session:
        rows = session.query(ConsentBank).filter_by(consent_id=consent_id)
        return {row.bank_id: (row.status, row.failure_reason) for row in rows}


def test_strict_hybrid_and_jarm_banks_complete_the_consent(live):
    app, base, client = live
    on = to_consent_screen(base, client)
    browser = on.browser

    back = to_bank_and_back(browser, on.screen, base, "northgate")
    assert "#" in back and "id_token=" in back  # hybrid: the answer is in the fragment
    screen = browser.then(through_callback(browser, back))
    back = to_bank_and_back(browser, screen, base, "thamesmoor", username="bob")
    assert urlsplit(back).query.startswith("response=")  # JARM
    screen = browser.then(through_callback(browser, back))
    assert screen.text.count("Connected (") == 2, screen.text[:2000]
    assert statuses(app, on.consent_id) == {"northgate": ("authorised", None),
                                            "thamesmoor": ("authorised", None)}

    approved = browser.post(browser.action(screen, DECISION), {"action": "approve"})
    assert approved.headers["location"].startswith(client["redirect_uri"])
    tokens = on.tpp.exchange(approved.headers["location"], on.verifier, on.state)
    assert "access_token" in tokens
    browser.close()


@pytest.mark.parametrize(("bank_id", "fault", "cause"), [
    ("northgate", "wrong_c_hash", "c_hash_mismatch"),
    ("thamesmoor", "bad_signature", "jarm_signature"),
])
def test_an_answer_failing_a_check_is_refused_in_the_flow(live, bank_id, fault, cause):
    app, base, client = live
    banks = app.extensions["sandbox_banks"]
    on = to_consent_screen(base, client)
    browser = on.browser
    banks[bank_id].faults.update({"answer_fault": fault})

    back = to_bank_and_back(browser, on.screen, base, bank_id)
    answered = through_callback(browser, back)
    screen = browser.then(answered)  # the consent screen, never a 500
    assert screen.status_code == 200
    assert f"Not connected: {cause}" in screen.text
    assert statuses(app, on.consent_id) == {bank_id: ("failed", cause)}
    browser.close()


def test_callback_without_a_matching_answer(live):
    """No parameters: the page that posts a fragment; an unreadable or unknown JARM response
    or state: refused with the callback's error, nothing looked up further."""
    _, base, _ = live
    browser = Browser(base)
    page = browser.get("/consent/callback/northgate")
    assert page.status_code == 200 and "psu/bank-answer.js" in page.text
    for answer in ({"response": "not-a-jwt"}, {"response": "a.e30.b"},
                   {"code": "c", "state": "unknown"}):
        refused = browser.post("/consent/callback/thamesmoor", answer)
        assert refused.status_code == 400
        assert "does not match an authorisation in progress" in refused.text
    browser.close()
