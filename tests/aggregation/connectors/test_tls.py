"""The sandbox PKI and the TLS contexts over a real HTTPS socket: server verified against the
sandbox CA, the TPP's transport certificate presented and seen by the server, and a server the
client does not trust refused with a typed error."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest
from flask import Flask, request

from aggregation.connectors import tls
from aggregation.connectors.base import ConsentRequest
from aggregation.connectors.errors import BankCertificateUntrusted
from aggregation.connectors.transport import Transport
from aggregation.registry import load_registry
from sandbox import mount, sandbox_banks
from sandbox.server import serve
from tests.aggregation.live import PSU_IP


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return tls.SandboxCA(tmp_path_factory.mktemp("pki"))


@pytest.fixture(scope="module")
def https(pki):
    app = Flask("tls-under-test")

    @app.get("/whoami")
    def whoami():
        pem = request.environ.get("SSL_CLIENT_CERT")
        return tls.subject_dn(pem) if pem else "anonymous"

    context = tls.server_context(pki.server_identity(), client_ca=pki.cert_file)
    with serve(app, ssl_context=context) as base:
        yield base


def test_ca_and_keys_are_made_once_with_private_keys_unreadable_to_others(pki):
    again = tls.SandboxCA(pki.folder)
    assert again.cert_file.read_bytes() == pki.cert_file.read_bytes()
    first = pki.server_identity()
    assert pki.server_identity() == first
    mode = stat.S_IMODE(Path(first.key_file).stat().st_mode)
    assert mode & 0o077 == 0
    assert stat.S_IMODE((pki.folder / "ca.key.pem").stat().st_mode) & 0o077 == 0


def test_client_presents_transport_certificate_with_organization_identifier(pki, https):
    identity = pki.transport_identity("tpp", organisation="Open Banking Hub Ltd",
                                      organization_identifier="PSDGB-FCA-123456")
    context = tls.client_context(trust=[pki.cert_file], identity=identity, system_roots=False)
    with httpx.Client(verify=context) as client:
        seen = client.get(f"{https}/whoami").text
    assert "2.5.4.97=PSDGB-FCA-123456" in seen and "O=Open Banking Hub Ltd" in seen


def test_without_identity_the_server_sees_no_certificate(pki, https):
    with httpx.Client(verify=tls.client_context(trust=[pki.cert_file])) as client:
        assert client.get(f"{https}/whoami").text == "anonymous"


def test_server_outside_the_trust_is_a_typed_non_retryable_error(tmp_path, https):
    stranger = tls.SandboxCA(tmp_path)  # another CA: its root is not the server's issuer
    with httpx.Client(verify=tls.client_context(trust=[stranger.cert_file],
                                                system_roots=False)) as client:
        with pytest.raises(BankCertificateUntrusted) as caught:
            Transport("northgate", client).send("GET", f"{https}/whoami")
    assert caught.value.cause == "certificate_untrusted" and not caught.value.retryable


@pytest.mark.parametrize("trusted", [True, False])
def test_banks_ca_file_is_how_a_deployment_trusts_a_private_root(tmp_path, trusted):
    """A bank whose certificate chains to a root outside the system store is reached when
    `BANKS_CA_FILE` lists that root, and refused as untrusted when it does not."""
    ca = tls.SandboxCA(tmp_path / "bank-root")
    app = Flask("bank-with-a-private-root")
    context = tls.server_context(ca.server_identity(), client_ca=ca.cert_file)
    with serve(app, ssl_context=context) as base:
        registry = load_registry({
            "ISSUER": "http://a.example", "BANKS_FILE": "", "SANDBOX_BASE_URL": base,
            "SANDBOX_BANK_URLS": {}, "BANKS_CA_FILE": str(ca.cert_file) if trusted else ""},
            tmp_path / "instance")
        mount(app, sandbox_banks(registry.sandbox_clients()))
        try:
            connector = registry.connector("thamesmoor")
            if trusted:
                assert connector.create_consent(ConsentRequest(psu_ip=PSU_IP)).consent_id
            else:
                with pytest.raises(BankCertificateUntrusted):
                    connector.create_consent(ConsentRequest(psu_ip=PSU_IP))
        finally:
            registry.close()
