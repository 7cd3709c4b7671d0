"""The sandbox directory (demo mode only): credentials from the command or the portal page
register and get tokens at once; with demo data off it does not exist."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cryptography import x509
from joserfc import jwk

from auth import eidas
from auth.sandbox_directory import SandboxDirectory
from tests.auth.eidas_helpers import register, tpp_for


@pytest.fixture
def app_settings(tmp_path):
    return {"DEMO_DIR": str(tmp_path / "demo")}


def issue(app, *args):
    return app.test_cli_runner().invoke(args=["directory", "issue", *args])


def test_issued_credentials_register_and_get_tokens(app, tmp_path):
    out = tmp_path / "creds"
    result = issue(app, "--org", "Acme Budgeting", "--roles", "PSP_AI,PSP_PI",
                   "--redirect-uri", "https://acme.example/cb", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "curl -s http://localhost/register" in result.output
    qwac = x509.load_pem_x509_certificate((out / "qwac.pem").read_bytes())
    seal = x509.load_pem_x509_certificate((out / "qseal.pem").read_bytes())
    for cert in (qwac, seal):
        identity = eidas.psd2_identity(cert)
        assert identity.psd2_roles == ("PSP_AI", "PSP_PI")
        assert identity.organization_identifier.startswith("PSDXX-SANDBOX-")
    statement = (out / "software-statement.jwt").read_text()
    resp = register(app, {"software_statement": statement}, qwac)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["redirect_uris"] == ["https://acme.example/cb"]
    assert set(body["scope"].split()) == {"accounts", "payee-checks", "status"}
    key = jwk.import_key(json.loads((out / "signing-key.jwk.json").read_text()))
    assert tpp_for(app, body, key, qwac).token_response("payee-checks")["token_type"] == "DPoP"
    assert (out / "qwac.key").stat().st_mode & 0o077 == 0


def test_sandbox_ca_and_key_persist_in_the_demo_folder(app, tmp_path):
    assert issue(app, "--org", "One", "--roles", "PSP_PI").exit_code == 0
    ca = (tmp_path / "demo" / "directory" / "sandbox-ca.pem").read_bytes()
    assert issue(app, "--org", "Two", "--roles", "PSP_PI").exit_code == 0
    assert (tmp_path / "demo" / "directory" / "sandbox-ca.pem").read_bytes() == ca
    assert (tmp_path / "demo" / "directory" / "two" / "qwac.pem").exists()
    fresh = SandboxDirectory(tmp_path / "demo" / "directory", "http://localhost/crl")
    existing = app.extensions["auth.sandbox_directory"]
    assert fresh.ca.certificate == existing.ca.certificate
    assert fresh.public_jwks() == existing.public_jwks()


def test_bad_roles_are_refused(app):
    result = issue(app, "--org", "Acme", "--roles", "AISP")
    assert result.exit_code != 0 and "roles must be some of PSP_AS" in result.output


def test_portal_page_issues_credentials(app):
    client = app.test_client()
    page = client.get("/docs/portal/directory")
    assert page.status_code == 200 and b"Sandbox directory" in page.data
    issued = client.post("/docs/portal/directory", data={"org": "Acme Pay",
                                                         "roles": ["PSP_PI"]})
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    text = issued.get_data(as_text=True)
    assert "qwac.pem" in text and "BEGIN CERTIFICATE" in text and "software-statement.jwt" in text
    statement = re.search(r"software-statement.jwt<br><textarea[^>]*>([^<]+)<", text).group(1)
    cert = re.search(r"qwac.pem<br><textarea[^>]*>([^<]+)<", text).group(1)
    resp = register(app, {"software_statement": statement.strip()},
                    x509.load_pem_x509_certificate(cert.encode()))
    assert resp.status_code == 201 and resp.get_json()["roles"] == ["COP"]
    refused = client.post("/docs/portal/directory", data={"org": "Acme", "roles": []})
    assert refused.status_code == 400


def test_crl_endpoint(app):
    issue(app, "--org", "Acme", "--roles", "PSP_PI")
    resp = app.test_client().get("/docs/portal/directory/crl")
    crl = x509.load_der_x509_crl(resp.data)
    assert resp.mimetype == "application/pkix-crl" and len(list(crl)) == 0


@pytest.mark.parametrize("app_settings", [{"DEMO_DATA": False}])
def test_absent_with_production_settings(app, app_settings):
    result = issue(app, "--org", "Acme", "--roles", "PSP_PI")
    assert result.exit_code != 0 and "only in demo mode" in result.output
    assert app.test_client().get("/docs/portal/directory").status_code == 404
    assert "auth.sandbox_directory" not in app.extensions
    assert not Path(app.instance_path, "demo", "directory", "x").exists()
