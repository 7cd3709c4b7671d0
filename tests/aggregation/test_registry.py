"""The bank registry file, its placeholders and credential references, and `flask banks`."""

from __future__ import annotations

import json

import pytest

from aggregation.connectors.berlin_group import BerlinGroupConnector
from aggregation.connectors.client_auth import PrivateKeyJwt, SecretBasic
from aggregation.connectors.http_client import KeepAliveTransport
from aggregation.connectors.ob_uk import ObUkConnector
from aggregation.registry import BankRegistry, RegistryError, load_registry


@pytest.fixture
def registry(tmp_path):
    registry = BankRegistry.load(issuer="http://127.0.0.1:8000/", base_dir=tmp_path)
    registry.ensure_sandbox_keys()
    yield registry
    registry.close()


def test_default_registry_points_at_the_mounted_sandboxes(registry):
    assert registry.ids() == ["northgate", "thamesmoor", "rheinfeld"]
    northgate = registry.get("northgate")
    assert northgate.standard == "ob-uk-4.0" and northgate.sort_codes == ("40-47-11",)
    assert northgate.api_url == "http://127.0.0.1:8000/sandbox/northgate/open-banking/v4.0/aisp"
    assert registry.get("rheinfeld").api_url == "http://127.0.0.1:8000/sandbox/rheinfeld"
    assert registry.get("rheinfeld").bic == "RHFDDEFFXXX"


def test_connectors_by_standard_each_with_its_own_pooled_client(registry):
    assert isinstance(registry.connector("northgate"), ObUkConnector)
    assert isinstance(registry.connector("rheinfeld"), BerlinGroupConnector)
    assert registry.connector("northgate") is registry.connector("northgate")
    client = registry.connector("northgate").transport.client
    assert client is registry.connector("northgate").transport.client  # built once
    assert client is not registry.connector("rheinfeld").transport.client  # a pool per bank
    assert isinstance(client.transport, KeepAliveTransport)  # keeps what it opens
    assert isinstance(registry.client_auth(registry.get("northgate")), PrivateKeyJwt)
    assert isinstance(registry.client_auth(registry.get("thamesmoor")), SecretBasic)


def test_keys_are_made_once_and_private(registry, tmp_path):
    key = tmp_path / "bank-clients" / "northgate.key.pem"
    assert key.exists() and key.stat().st_mode & 0o077 == 0
    before = key.read_bytes()
    assert registry.ensure_sandbox_keys() == [] and key.read_bytes() == before


def test_sandboxes_elsewhere(tmp_path):
    registry = load_registry({
        "ISSUER": "http://a.example", "BANKS_FILE": "",
        "SANDBOX_BASE_URL": "http://127.0.0.1:9000",
        "SANDBOX_BANK_URLS": {"rheinfeld": "http://127.0.0.1:9003/sandbox/rheinfeld"}},
        tmp_path)
    assert registry.get("northgate").token_url == \
        "http://127.0.0.1:9000/sandbox/northgate/oauth/token"
    assert registry.get("rheinfeld").auth_url == \
        "http://127.0.0.1:9003/sandbox/rheinfeld/oauth/authorize"


def _write(tmp_path, banks) -> str:
    path = tmp_path / "banks.json"
    path.write_text(json.dumps({"banks": banks}))
    return str(path)


def _entry(**changes) -> dict:
    entry = {"id": "x", "name": "X", "standard": "ob-uk-4.0", "country": "GB",
             "auth_url": "https://x/a", "token_url": "https://x/t", "api_url": "https://x/api",
             "client": {"client_id": "c", "secret_ref": "env:X_SECRET"}}
    return {**entry, **changes}


@pytest.mark.parametrize("banks", [[_entry(standard="fints")], [_entry(), _entry()],
                                   [_entry(colour="red")], [{"id": "x"}], "nope",
                                   [_entry(client={"client_id": "c",
                                                   "auth_method": "private_key_jwt",
                                                   "signing_alg": "RS256"})]])
def test_bad_registry_files(tmp_path, banks):
    with pytest.raises(RegistryError):
        BankRegistry.load(_write(tmp_path, banks), issuer="http://x", base_dir=tmp_path)


def test_secrets_come_from_references_only(tmp_path, monkeypatch):
    registry = BankRegistry.load(_write(tmp_path, [_entry()]), issuer="http://x",
                                 base_dir=tmp_path)
    with pytest.raises(RegistryError):  # env var unset
        registry.connector("x")
    monkeypatch.setenv("X_SECRET", "from-env")
    assert registry.client_auth(registry.get("x")).secret == "from-env"
    literal = BankRegistry.load(_write(tmp_path, [_entry(client={
        "client_id": "c", "secret_ref": "sandbox:plain"})]), issuer="http://x", base_dir=tmp_path)
    with pytest.raises(RegistryError):  # literals only for sandbox banks
        literal.client_auth(literal.get("x"))
    with pytest.raises(RegistryError):
        registry.get("nope")


def test_mtls_bank_gets_its_own_client_with_a_certificate(tmp_path):
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "obhub")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    (tmp_path / "c.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "k.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    registry = BankRegistry.load(_write(tmp_path, [_entry(mtls=True, client={
        "client_id": "c", "auth_method": "tls_client_auth", "mtls_cert_ref": "file:c.pem",
        "mtls_key_ref": "file:k.pem"}), _entry(id="y")]), issuer="http://x", base_dir=tmp_path)
    connector = registry.connector("x")
    assert "mtls:x" in registry._clients
    assert connector.transport.client is registry._clients["mtls:x"]
    registry.close()


def test_cli_banks_list_and_show(tmp_path):
    from flask import Flask

    from aggregation import cli

    app = Flask("cli")
    app.extensions["banks"] = BankRegistry.load(issuer="http://127.0.0.1:8000",
                                                base_dir=tmp_path)
    cli.init_app(app)
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["banks", "list"])
    assert listed.exit_code == 0 and "rheinfeld" in listed.output
    assert "berlin-group-1.3" in listed.output
    shown = runner.invoke(args=["banks", "show", "northgate"])
    body = json.loads(shown.output)
    assert body["auth_method"] == "private_key_jwt" and "secret" not in shown.output.lower()
    assert runner.invoke(args=["banks", "show", "nope"]).exit_code != 0


def test_warm_builds_every_bank_and_names_the_ones_it_cannot(tmp_path, monkeypatch):
    monkeypatch.setenv("GOOD_SECRET", "s")
    registry = BankRegistry.load(_write(tmp_path, [
        _entry(id="good", client={"client_id": "c", "secret_ref": "env:GOOD_SECRET"}),
        _entry(id="unset", client={"client_id": "c", "secret_ref": "env:UNSET_SECRET"})]),
        issuer="http://x", base_dir=tmp_path)
    assert registry.warm() == ["unset"]
    assert "good" in registry._connectors and "unset" not in registry._connectors
    assert registry.connector("good") is registry._connectors["good"]  # the warmed one is used
    with pytest.raises(RegistryError):  # the broken one still fails where it is used
        registry.connector("unset")
    registry.close()


def test_the_app_warms_its_banks(app):
    from core.warm import warm

    registry = app.extensions["banks"]
    registry.close()
    assert warm(app) == []
    assert set(registry._connectors) == set(registry.ids())
