"""The Berlin Group connector against the strictest sandbox BG bank over real TLS: mutual TLS
with the TPP's QWAC, every request signed with its QSealC, decoupled SCA; and the refusals a
TPP then sees per bank: no client certificate, a seal the bank does not trust, and a bank
server certificate we do not trust."""

from __future__ import annotations

from dataclasses import replace

import pytest

from aggregation.connectors import bg_sca, bg_signing
from aggregation.connectors.base import BankAccess, ConsentRequest, ConsentStatus
from aggregation.connectors.errors import BankCertificateUntrusted
from aggregation.gateway import ConnectorGateway
from auth.eidas_ca import SandboxCa, pem
from consent import bankflow
from consent.permissions import ConsentTerms
from sandbox.bg_sca import conclude
from sandbox.profiles import BgProfile
from tests.aggregation.seals import write_qseal
from tests.aggregation.strict_live import strict_sandbox

REDIRECT_URI = "https://tpp.example/callback"
PSU_IP = "203.0.113.7"
SEAL = {"qseal_cert_ref": "file:seal/qseal.pem", "qseal_key_ref": "file:seal/qseal.key"}


def bg_entry(bank_id: str, client: dict, **extra) -> dict:
    return {"id": bank_id, "name": "Rheinfeld Sparkasse", "standard": "berlin-group-1.3",
            "country": "DE", "bic": "RHFDDEFFXXX", "sandbox": "rheinfeld",
            "auth_url": "{SANDBOX}/oauth/authorize", "token_url": "{SANDBOX}/oauth/token",
            "api_url": "{SANDBOX}", "sca_poll_seconds": 1, **extra,
            "client": {"client_id": "obhub-at-rheinfeld", "auth_method": "client_secret_basic",
                       "secret_ref": "sandbox:rheinfeld-sandbox-secret", **client}}


ENTRIES = [
    # mutual TLS with our QWAC (the sandbox CA's transport certificate), signed with our QSealC
    bg_entry("rheinfeld", {"mtls_cert_ref": "file:pki/tpp.pem",
                           "mtls_key_ref": "file:pki/tpp.key.pem", **SEAL},
             mtls=True, signing=True),
    # the same bank, signed but reached without a client certificate
    bg_entry("rheinfeld-nocert", SEAL, signing=True),
]


@pytest.fixture(scope="module")
def strict(tmp_path_factory, qtsp):
    folder = tmp_path_factory.mktemp("strict-bg")
    write_qseal(qtsp, folder / "seal")
    with strict_sandbox(folder, ENTRIES, {}) as running:
        yield running


@pytest.fixture(autouse=True)
def bank(strict, qtsp):
    strict.reset()
    bank = strict.states["rheinfeld"].bank
    bank.bg_profile = replace(BgProfile.parse("decoupled+signing+mtls+poll:1"),
                              tpp_ca_pem=pem(qtsp.certificate))
    yield bank
    bank.bg_profile = BgProfile()


def test_mtls_signed_decoupled_happy_path(strict):
    connector = strict.connector("rheinfeld")
    consent = connector.create_consent(ConsentRequest(psu_ip=PSU_IP))
    assert consent.sca_approach == bg_sca.DECOUPLED
    started = connector.start_authorisation(consent.consent_id, redirect_uri=REDIRECT_URI,
                                            state="s-1")
    answers = iter([lambda: None, lambda: approve(strict, started.authorisation_id)])
    progress = connector.await_decoupled(consent.consent_id, started.authorisation_id,
                                         deadline_seconds=30,
                                         sleep=lambda _s: next(answers)())
    assert progress.done
    assert connector.get_consent(consent.consent_id).status is ConsentStatus.AUTHORISED
    assert connector.list_accounts(BankAccess(consent.consent_id, ""))


def approve(strict, authorisation_id: str) -> None:
    """The PSU approves in the bank's app (the admin call's logic, in-process)."""
    state = strict.states["rheinfeld"]
    assert conclude(state, state.authorisation(authorisation_id), "alice", True)


def test_without_a_client_certificate_the_bank_refuses(strict):
    connector = strict.connector("rheinfeld-nocert")
    with pytest.raises(bg_signing.CertificateRefused) as caught:
        connector.create_consent(ConsentRequest(psu_ip=PSU_IP))
    assert caught.value.cause == "certificate_missing"
    gateway = ConnectorGateway("rheinfeld-nocert", connector)
    assert tpp_status("rheinfeld-nocert", lambda: gateway.start(
        ConsentTerms(("ReadAccountsDetail",), None, None, None, PSU_IP), state="s",
        redirect_uri=REDIRECT_URI)) == "certificate_missing"


def test_a_seal_from_an_untrusted_qtsp_is_certificate_invalid(strict, bank):
    bank.bg_profile = replace(bank.bg_profile,
                              tpp_ca_pem=pem(SandboxCa.create("Other QTSP").certificate))
    gateway = ConnectorGateway("rheinfeld", strict.connector("rheinfeld"))
    assert tpp_status("rheinfeld", lambda: gateway.start(
        ConsentTerms(("ReadAccountsDetail",), None, None, None, PSU_IP), state="s",
        redirect_uri=REDIRECT_URI)) == "certificate_invalid"


def test_a_bank_certificate_we_do_not_trust_is_a_typed_error(strict):
    registry = strict.registry_without_trust()
    try:
        with pytest.raises(BankCertificateUntrusted):
            registry.connector("rheinfeld").create_consent(ConsentRequest(psu_ip=PSU_IP))
    finally:
        registry.close()


def tpp_status(bank_id, call) -> str:
    """What the consent flow records for the bank (`ConsentBank.failure_reason`)."""
    with pytest.raises(bankflow.BankFailure) as failed:
        bankflow.guarded(bank_id, call)
    return failed.value.kind
