"""The UK connector against strict sandbox UK banks (FAPI 1.0 Advanced / the OB security
profile) over real TLS: the happy path per profile, and each way a real bank refuses or
misbehaves, with the connector's typed error and the per-bank status a TPP then sees."""

from __future__ import annotations

import datetime as dt

import pytest

from aggregation.connectors.base import BankAccess, ConsentRequest
from aggregation.connectors.errors import (
    BankCertificateUntrusted,
    BankUnauthorised,
    SecurityProfileViolation,
)
from aggregation.gateway import ConnectorGateway
from aggregation.psu_browser import SignInRefused
from consent import bankflow
from sandbox.bank import Profile
from tests.aggregation.strict_live import ob_entry, strict_sandbox

REDIRECT_URI = "https://tpp.example/callback"
PSU_IP = "203.0.113.7"
STATE = "state-5b1d"
PROFILES = {"northgate": Profile("hybrid"), "thamesmoor": Profile("jarm", par=True, mtls=True)}
ENTRIES = [
    # hybrid, request object by value, private_key_jwt (PS256 key signs the requests too)
    ob_entry("northgate", "northgate", {
        "client_id": "obhub-strict-northgate", "auth_method": "private_key_jwt",
        "signing_alg": "PS256", "signing_key_ref": "file:keys/northgate.pem"}),
    # JARM through PAR, mutual TLS with our transport certificate, tls_client_auth
    ob_entry("thamesmoor", "thamesmoor", {
        "client_id": "obhub-strict-thamesmoor", "auth_method": "tls_client_auth",
        "mtls_cert_ref": "file:pki/tpp.pem", "mtls_key_ref": "file:pki/tpp.key.pem",
        "request_signing_key_ref": "file:keys/thamesmoor-request.pem"}, mtls=True),
    # configured for a client secret, which a FAPI bank never takes: its key is used instead
    ob_entry("northgate-secret", "northgate", {
        "client_id": "obhub-strict-secret", "auth_method": "client_secret_basic",
        "secret_ref": "sandbox:not-for-fapi", "signing_alg": "PS256",
        "signing_key_ref": "file:keys/northgate-secret.pem"}),
    # the same mutual-TLS bank, reached without a client certificate
    ob_entry("thamesmoor-nocert", "thamesmoor", {
        "client_id": "obhub-strict-nocert", "auth_method": "private_key_jwt",
        "signing_alg": "PS256", "signing_key_ref": "file:keys/nocert.pem"}),
]


@pytest.fixture(scope="module")
def strict(tmp_path_factory):
    with strict_sandbox(tmp_path_factory.mktemp("strict"), ENTRIES, PROFILES) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh(strict):
    strict.reset()


def start(connector):
    consent = connector.create_consent(ConsentRequest(psu_ip=PSU_IP))
    redirect = connector.authorisation_redirect(consent.consent_id, redirect_uri=REDIRECT_URI,
                                                state=STATE)
    return consent, redirect


def finish(connector, consent, redirect, answer):
    checked = connector.complete_authorisation(answer, state=STATE, nonce=redirect.nonce,
                                               consent_id=consent.consent_id)
    return connector.exchange_code(checked.code, redirect_uri=REDIRECT_URI,
                                   code_verifier=redirect.code_verifier)


def tpp_status(bank_id, call) -> str:
    """What the consent flow records for the bank (`ConsentBank.failure_reason`)."""
    with pytest.raises(bankflow.BankFailure) as failed:
        bankflow.guarded(bank_id, call)
    return failed.value.kind


@pytest.mark.parametrize("bank_id", ["northgate", "thamesmoor"])
def test_strict_bank_happy_path_over_tls(strict, bank_id):
    connector = strict.connector(bank_id)
    consent, redirect = start(connector)
    assert "openbanking_intent_id" not in redirect.url  # only inside the signed request
    assert ("request_uri=" in redirect.url) == (bank_id == "thamesmoor")  # PAR
    answer = strict.sign_in(redirect.url, "alice" if bank_id == "northgate" else "bob")
    assert ("id_token" in answer) == (bank_id == "northgate")
    assert ("response" in answer) == (bank_id == "thamesmoor")  # JARM
    tokens = finish(connector, consent, redirect, answer)
    accounts = connector.list_accounts(BankAccess(consent.consent_id, tokens.access_token),
                                       psu_present=True, psu_ip=PSU_IP)
    assert accounts and str(strict.base_url).startswith("https://")
    if bank_id == "thamesmoor":
        assert connector.oauth.auth.__class__.__name__ == "TlsClientAuth"


HYBRID = [("wrong_c_hash", "c_hash_mismatch"), ("wrong_s_hash", "s_hash_mismatch"),
          ("wrong_nonce", "nonce_mismatch"), ("bad_signature", "id_token_signature"),
          ("unknown_key", "unknown_signing_key"), ("expired", "id_token_expired"),
          ("wrong_issuer", "iss_mismatch")]
JARM = [("bad_signature", "jarm_signature"), ("expired", "jarm_expired"),
        ("wrong_issuer", "iss_mismatch"), ("unknown_key", "unknown_signing_key")]


@pytest.mark.parametrize(("bank_id", "fault", "cause"),
                         [("northgate", *case) for case in HYBRID] +
                         [("thamesmoor", *case) for case in JARM])
def test_answer_failing_a_check_is_refused(strict, bank_id, fault, cause):
    """Hybrid (northgate): the ID token; JARM (thamesmoor): the response JWT."""
    connector = strict.connector(bank_id)
    consent, redirect = start(connector)
    strict.states[bank_id].faults.update({"answer_fault": fault})
    answer = strict.sign_in(redirect.url, "alice" if bank_id == "northgate" else "bob")
    with pytest.raises(SecurityProfileViolation) as refused:
        finish(connector, consent, redirect, answer)
    assert refused.value.cause == cause and refused.value.bank_id == bank_id
    assert tpp_status(bank_id, lambda: finish(connector, consent, redirect, answer)) == cause


def test_answer_for_another_state_is_refused(strict):
    connector = strict.connector("thamesmoor")
    consent, redirect = start(connector)
    answer = strict.sign_in(redirect.url, "bob")
    with pytest.raises(SecurityProfileViolation) as refused:
        connector.complete_authorisation(answer, state="someone-elses", nonce=redirect.nonce,
                                         consent_id=consent.consent_id)
    assert refused.value.cause == "state_mismatch"


def test_expired_request_object_is_refused_by_par_and_by_value(strict):
    par = strict.connector("thamesmoor")
    consent = par.create_consent(ConsentRequest(psu_ip=PSU_IP))
    real_clock = par.clock
    par.clock = lambda: real_clock() - dt.timedelta(minutes=10)
    try:
        with pytest.raises(SecurityProfileViolation) as refused:
            par.authorisation_redirect(consent.consent_id, redirect_uri=REDIRECT_URI,
                                       state=STATE)
        assert refused.value.cause == "request_object_refused"
        assert tpp_status("thamesmoor", lambda: par.authorisation_redirect(
            consent.consent_id, redirect_uri=REDIRECT_URI, state=STATE)) == \
            "request_object_refused"
    finally:
        par.clock = real_clock
    by_value = strict.connector("northgate")
    consent = by_value.create_consent(ConsentRequest(psu_ip=PSU_IP))
    by_value.clock = lambda: real_clock() - dt.timedelta(minutes=10)
    try:
        redirect = by_value.authorisation_redirect(consent.consent_id,
                                                   redirect_uri=REDIRECT_URI, state=STATE)
    finally:
        by_value.clock = real_clock
    with pytest.raises(SignInRefused, match="400.*expired"):
        strict.sign_in(redirect.url, "alice")


def test_par_bank_refuses_a_request_object_by_value(strict):
    connector = strict.connector("thamesmoor")
    consent, redirect = start(connector)
    by_value = redirect.url.replace("request_uri=", "request=")
    with pytest.raises(SignInRefused, match="400.*PAR"):
        strict.sign_in(by_value, "bob")


def test_bank_keys_rotate_without_restart(strict):
    connector = strict.connector("northgate")
    consent, redirect = start(connector)
    strict.sign_in(redirect.url, "alice")  # the JWKS is now cached with the first key
    first = start(connector)
    answer = strict.sign_in(first[1].url, "alice")
    finish(connector, *first, answer)
    strict.states["northgate"].keys.rotate()
    connector.metadata._keys_at = None  # past the refetch interval
    second = start(connector)
    assert finish(connector, *second, strict.sign_in(second[1].url, "alice")).access_token


def test_unknown_kid_refetches_the_jwks_at_most_once_per_interval(strict):
    connector = strict.connector("northgate")
    first = start(connector)
    finish(connector, *first, strict.sign_in(first[1].url, "alice"))
    strict.states["northgate"].keys.rotate()
    second = start(connector)
    answer = strict.sign_in(second[1].url, "alice")
    connector.metadata._keys_at = connector.metadata.clock()  # just fetched
    try:
        with pytest.raises(SecurityProfileViolation) as refused:
            finish(connector, *second, answer)
        assert refused.value.cause == "unknown_signing_key"
    finally:
        connector.metadata._keys_at = None  # later tests may refetch at once


def test_untrusted_server_certificate(strict):
    registry = strict.registry_without_trust()
    try:
        connector = registry.connector("northgate")
        with pytest.raises(BankCertificateUntrusted):
            connector.create_consent(ConsentRequest(psu_ip=PSU_IP))
        gateway = ConnectorGateway("northgate", connector)
        assert tpp_status("northgate", lambda: gateway.delete("any", None)) == \
            "certificate_untrusted"
    finally:
        registry.close()


def test_missing_client_certificate_at_a_mutual_tls_bank(strict):
    connector = strict.connector("thamesmoor-nocert")
    with pytest.raises(BankUnauthorised) as refused:
        connector.create_consent(ConsentRequest(psu_ip=PSU_IP))
    assert refused.value.cause == "invalid_client"
    assert tpp_status("thamesmoor-nocert", lambda: connector.create_consent(
        ConsentRequest(psu_ip=PSU_IP))) == "invalid_client"
    with pytest.raises(BankUnauthorised):  # the API too: refused before any token is read
        connector.list_accounts(BankAccess("any-consent", "any-token"))


def test_token_endpoint_authentication_follows_the_banks_discovery(strict):
    connector = strict.connector("northgate-secret")
    consent, redirect = start(connector)  # client credentials first: negotiated here
    assert type(connector.oauth.auth).__name__ == "PrivateKeyJwt"
    tokens = finish(connector, consent, redirect, strict.sign_in(redirect.url, "alice"))
    assert tokens.access_token


def test_discovery_and_jwks_are_read_once_and_cached(strict, monkeypatch):
    connector = strict.connector("northgate")
    warm = start(connector)
    finish(connector, *warm, strict.sign_in(warm[1].url, "alice"))
    fetched = []
    send = connector.transport.send

    def counting(method, url, **kwargs):
        if "/.well-known/" in url:
            fetched.append(url)
        return send(method, url, **kwargs)

    monkeypatch.setattr(connector.transport, "send", counting)
    for _ in range(2):
        first = start(connector)
        finish(connector, *first, strict.sign_in(first[1].url, "alice"))
    assert fetched == []
