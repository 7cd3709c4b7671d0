"""A TPP onboarded through the sandbox directory talks to a strict Berlin Group bank: its
QSealC (RSA, as `rsa-sha256` signs) signs every request the bank checks, end to end. And a
bank whose only SCA approach is EMBEDDED is refused with one typed error, the consent it made
deleted again."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from aggregation.bankconfig import parse_bank
from aggregation.connectors.base import ConsentRequest
from aggregation.connectors.errors import ScaFailed
from aggregation.fanout import Status, default_classify
from aggregation.registry import DEFAULT_FILE, BankRegistry
from auth.eidas_ca import pem
from auth.sandbox_directory import SandboxDirectory
from sandbox.state import TERMINATED_BY_TPP
from tests.aggregation.live import PSU_IP, take_through_consent


@pytest.fixture
def onboarded(tmp_path):
    """The directory's CA and the credentials it issued to one TPP, written as files."""
    directory = SandboxDirectory(tmp_path / "directory", "http://localhost/crl")
    credentials = directory.issue("Acme Budgeting", "PSP_AI")
    credentials.write(tmp_path / "acme")
    return directory, tmp_path / "acme"


def test_the_directory_issues_an_rsa_seal(onboarded):
    _, folder = onboarded
    key = serialization.load_pem_private_key((folder / "qseal.key").read_bytes(), None)
    seal = x509.load_pem_x509_certificate((folder / "qseal.pem").read_bytes())
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size >= 2048
    assert seal.public_key().public_numbers() == key.public_key().public_numbers()


def test_a_directory_tpp_signs_its_way_through_a_strict_bank(sandbox, rheinfeld, onboarded):
    directory, folder = onboarded
    rheinfeld.bg_profile = replace(rheinfeld.bg_profile.with_changes({
        "signing_required": True}), tpp_ca_pem=pem(directory.ca.certificate))
    entry = next(e for e in json.loads(DEFAULT_FILE.read_text())["banks"]
                 if e["id"] == "rheinfeld")
    entry = {**entry, "signing": True,
             "client": {**entry["client"], "qseal_cert_ref": "file:qseal.pem",
                        "qseal_key_ref": "file:qseal.key"}}
    registry = BankRegistry([parse_bank(entry, sandbox.base_url)], base_dir=folder)
    try:
        connector = registry.connector("rheinfeld")
        seen = []
        connector.transport.client.event_hooks["response"].append(
            lambda response: seen.append(response))
        authorised = take_through_consent(connector, "alice")
        assert connector.list_accounts(authorised.access)
    finally:
        registry.close()
    signed = [r for r in seen if "/v1/" in r.request.url.path]
    assert signed and all(r.status_code < 400 for r in signed)
    assert all('algorithm="rsa-sha256"' in r.request.headers["Signature"] for r in signed)


def test_an_embedded_only_bank_is_refused_and_its_consent_deleted(sandbox, rheinfeld):
    rheinfeld.bg_profile = rheinfeld.bg_profile.with_changes({"sca_approach": "embedded"})
    with pytest.raises(ScaFailed) as refused:
        sandbox.connector("rheinfeld").create_consent(ConsentRequest(psu_ip=PSU_IP))
    assert (refused.value.bank_id, refused.value.cause) == ("rheinfeld", "sca_unsupported")
    assert refused.value.detail == "EMBEDDED"
    failure = default_classify(refused.value)
    assert (failure.status, failure.error_type, failure.retryable) == (
        Status.ERROR, "sca_unsupported", False)
    (held,) = sandbox.states["rheinfeld"].consents.values()
    assert held.status == TERMINATED_BY_TPP
