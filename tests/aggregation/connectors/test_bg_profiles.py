"""The Berlin Group connector against a strict sandbox bank over real HTTP: each SCA approach
(redirect with and without the OAuth2 pre-step, decoupled), signed requests with a QSealC, and
each way such a bank refuses: a tampered digest, a certificate it does not trust, an unsigned
request, a decoupled approval that never comes or is refused."""

from __future__ import annotations

import json
from dataclasses import replace

import httpx
import pytest

from aggregation.bankconfig import parse_bank
from aggregation.connectors import bg_sca, bg_signing
from aggregation.connectors.base import BankAccess, ConsentRequest, ConsentStatus
from aggregation.connectors.errors import BankRejected, ScaFailed
from aggregation.fanout import Status, default_classify
from aggregation.psu_browser import authorise
from aggregation.registry import DEFAULT_FILE, BankRegistry
from auth.eidas_ca import SandboxCa, pem
from tests.aggregation.live import PSU_IP, REDIRECT_URI, take_through_consent
from tests.aggregation.seals import write_qseal


@pytest.fixture(scope="module")
def qseal(qtsp, tmp_path_factory):
    folder = tmp_path_factory.mktemp("qseal")
    write_qseal(qtsp, folder)
    return folder


def strict(bank, ca: bytes | None = None, **switches):
    profile = bank.bg_profile.with_changes(switches)
    bank.bg_profile = profile if ca is None else replace(profile, tpp_ca_pem=ca)


@pytest.fixture
def signed_registry(sandbox, qseal):
    """A registry whose Rheinfeld entry signs every request with the QSealC."""
    entry = next(e for e in json.loads(DEFAULT_FILE.read_text())["banks"]
                 if e["id"] == "rheinfeld")
    entry = {**entry, "signing": True, "sca_poll_seconds": 1,
             "client": {**entry["client"], "qseal_cert_ref": "file:qseal.pem",
                        "qseal_key_ref": "file:qseal.key"}}
    registry = BankRegistry([parse_bank(entry, sandbox.base_url)], base_dir=qseal)
    yield registry
    registry.close()


def admin_answer(sandbox, authorisation_id: str, approve: bool = True) -> None:
    """The PSU answers in the bank's app."""
    answer = httpx.post(f"{sandbox.base_url}/sandbox/rheinfeld/admin/authorisations/"
                        f"{authorisation_id}", json={"psu": "alice", "approve": approve})
    assert answer.status_code == 200, answer.text


def test_the_oauth_pre_step_is_read_from_the_consent_answer(sandbox, rheinfeld):
    consent = sandbox.connector("rheinfeld").create_consent(ConsentRequest(psu_ip=PSU_IP))
    assert consent.sca_approach == bg_sca.REDIRECT_OAUTH


def test_redirect_without_oauth_authorises_the_consent_id_alone(sandbox, rheinfeld):
    strict(rheinfeld, sca_approach="redirect")
    connector = sandbox.connector("rheinfeld")
    consent = connector.create_consent(ConsentRequest(psu_ip=PSU_IP))
    assert consent.sca_approach == bg_sca.REDIRECT
    started = connector.start_authorisation(consent.consent_id, redirect_uri=REDIRECT_URI,
                                            state="s-7")
    assert started.approach == bg_sca.REDIRECT and started.sca_status == "received"
    assert authorise(started.redirect_url, "alice") == {"state": "s-7"}
    assert connector.sca_status(consent.consent_id, started.authorisation_id).done
    assert connector.get_consent(consent.consent_id).status is ConsentStatus.AUTHORISED
    access = BankAccess(consent.consent_id, "")  # no token: the Consent-ID authorises
    accounts = connector.list_accounts(access)
    assert accounts
    assert connector.read_balances(access, accounts[0].account_id, psu_present=True,
                                   psu_ip=PSU_IP)


def test_a_redirect_the_psu_refuses_comes_back_with_access_denied(sandbox, rheinfeld):
    strict(rheinfeld, sca_approach="redirect")
    connector = sandbox.connector("rheinfeld")
    consent = connector.create_consent(ConsentRequest(psu_ip=PSU_IP))
    started = connector.start_authorisation(consent.consent_id, redirect_uri=REDIRECT_URI,
                                            state="s-8")
    back = authorise(started.redirect_url, "alice", approve=False)
    assert back == {"state": "s-8", "error": "access_denied"}
    assert connector.get_consent(consent.consent_id).status is ConsentStatus.REJECTED
    assert connector.sca_status(consent.consent_id, started.authorisation_id).failed


def start_decoupled(sandbox, rheinfeld, poll_seconds: int):
    strict(rheinfeld, sca_approach="decoupled", poll_seconds=poll_seconds)
    connector = sandbox.connector("rheinfeld")
    consent = connector.create_consent(ConsentRequest(psu_ip=PSU_IP))
    started = connector.start_authorisation(consent.consent_id, redirect_uri=REDIRECT_URI,
                                            state="s-9")
    return connector, consent, started


def test_decoupled_waits_at_the_banks_interval_until_the_app_approves(sandbox, rheinfeld):
    connector, consent, started = start_decoupled(sandbox, rheinfeld, 3)
    assert consent.sca_approach == bg_sca.DECOUPLED
    assert started.approach == bg_sca.DECOUPLED and started.redirect_url is None
    assert "Rheinfeld" in started.psu_message
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        if len(waits) == 2:
            admin_answer(sandbox, started.authorisation_id)

    progress = connector.await_decoupled(consent.consent_id, started.authorisation_id,
                                         deadline_seconds=60, sleep=sleep)
    assert progress.sca_status == "finalised"
    assert waits == [3.0, 3.0]  # the bank's Retry-After, not ours
    assert connector.get_consent(consent.consent_id).status is ConsentStatus.AUTHORISED
    assert connector.list_accounts(BankAccess(consent.consent_id, ""))


def test_decoupled_gives_up_after_the_deadline(sandbox, rheinfeld):
    connector, consent, started = start_decoupled(sandbox, rheinfeld, 2)
    clock = [0.0]

    def sleep(seconds):
        clock[0] += seconds

    with pytest.raises(ScaFailed) as caught:
        connector.await_decoupled(consent.consent_id, started.authorisation_id,
                                  deadline_seconds=5, sleep=sleep, monotonic=lambda: clock[0])
    assert clock[0] == 4.0  # looked at 0, 2 and 4; a look at 6 would be past the deadline
    assert caught.value.cause == "sca_timeout" and caught.value.bank_id == "rheinfeld"
    assert default_classify(caught.value).status is Status.ERROR


def test_decoupled_refused_in_the_app_is_sca_failed(sandbox, rheinfeld):
    connector, consent, started = start_decoupled(sandbox, rheinfeld, 1)
    admin_answer(sandbox, started.authorisation_id, approve=False)
    with pytest.raises(ScaFailed) as caught:
        connector.await_decoupled(consent.consent_id, started.authorisation_id,
                                  sleep=lambda _s: None)
    assert caught.value.cause == "sca_failed"
    assert connector.get_consent(consent.consent_id).status is ConsentStatus.REJECTED


def test_signed_requests_pass_the_strict_bank(sandbox, rheinfeld, signed_registry, qtsp):
    strict(rheinfeld, signing_required=True, ca=pem(qtsp.certificate))
    seen = []
    connector = signed_registry.connector("rheinfeld")
    connector.transport.client.event_hooks["response"].append(
        lambda response: seen.append(response.request))
    authorised = take_through_consent(connector, "bob")
    accounts = connector.list_accounts(authorised.access)
    assert accounts
    signed = [r for r in seen if "/v1/" in r.url.path]
    assert signed and all(r.headers["Digest"].startswith("SHA-256=") for r in signed)
    signature = signed[0].headers["Signature"]
    assert 'algorithm="rsa-sha256"' in signature and 'headers="digest x-request-id"' in \
        signature and ",CA=" in signature.split('"')[1]


def test_a_tampered_digest_is_refused_as_signature_invalid(sandbox, rheinfeld,
                                                           signed_registry, qtsp):
    strict(rheinfeld, signing_required=True, ca=pem(qtsp.certificate))
    connector = signed_registry.connector("rheinfeld")

    def tamper(request):  # after signing, as a proxy rewriting the body's digest would
        request.headers["Digest"] = bg_signing.digest(b'{"access": {"allPsd2": "allAccounts"}}')

    connector.transport.client.event_hooks["request"].append(tamper)
    with pytest.raises(bg_signing.SignatureRefused) as caught:
        connector.create_consent(ConsentRequest(psu_ip=PSU_IP))
    assert caught.value.cause == "signature_invalid"
    assert isinstance(caught.value, BankRejected)
    failure = default_classify(caught.value)
    assert (failure.status, failure.error_type) == (Status.ERROR, "signature_invalid")


def test_a_certificate_the_bank_does_not_trust_is_certificate_invalid(sandbox, rheinfeld,
                                                                      signed_registry):
    strict(rheinfeld, signing_required=True, ca=pem(SandboxCa.create("Other QTSP").certificate))
    with pytest.raises(bg_signing.CertificateRefused) as caught:
        signed_registry.connector("rheinfeld").create_consent(ConsentRequest(psu_ip=PSU_IP))
    assert caught.value.cause == "certificate_invalid"
    failure = default_classify(caught.value)
    assert (failure.status, failure.error_type, failure.retryable) == (
        Status.ERROR, "certificate_invalid", False)


def test_an_unsigned_request_is_refused_by_a_bank_that_requires_signing(sandbox, rheinfeld,
                                                                        qtsp):
    strict(rheinfeld, signing_required=True, ca=pem(qtsp.certificate))
    with pytest.raises(bg_signing.SignatureRefused) as caught:
        sandbox.connector("rheinfeld").create_consent(ConsentRequest(psu_ip=PSU_IP))
    assert caught.value.cause == "signature_missing"


def test_a_signing_bank_without_a_seal_is_a_registry_error(sandbox):
    entry = next(e for e in json.loads(DEFAULT_FILE.read_text())["banks"]
                 if e["id"] == "rheinfeld")
    with pytest.raises(ValueError, match="qseal_cert_ref"):
        parse_bank({**entry, "signing": True}, sandbox.base_url)
