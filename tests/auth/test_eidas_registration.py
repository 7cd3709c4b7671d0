"""POST /register with software statements and QWACs: each accepted or refused exactly, with
the RFC 7591 error; roles and scopes follow the certificate."""

from __future__ import annotations

import datetime as dt

import pytest

from auth.eidas_ca import SandboxCa
from tests.auth.eidas_helpers import Pki, register, tpp_for, tpp_key
from tests.fixtures.auth import new_key


@pytest.fixture
def pki(tmp_path):
    return Pki(tmp_path)


@pytest.fixture
def app_settings(pki):
    return pki.settings()


@pytest.fixture
def eidas_app(app, pki):
    pki.install(app)
    return app


def refused(resp, error, words=""):
    assert resp.status_code == 400, resp.get_json()
    assert resp.get_json()["error"] == error
    assert words in resp.get_json()["error_description"]


def test_good_statement_and_qwac_register_and_get_tokens(eidas_app, pki):
    key, qwac = tpp_key(), pki.qwac()
    resp = register(eidas_app, {"software_statement": pki.statement(tpp_key=key)}, qwac)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["client_name"] == "Example Budgeting"
    assert body["redirect_uris"] == ["https://tpp.example/cb"]
    assert sorted(body["roles"]) == ["AISP", "COP"]
    assert set(body["scope"].split()) == {"accounts", "payee-checks", "status"}
    tpp = tpp_for(eidas_app, body, key, qwac)
    assert tpp.token_response("payee-checks")["scope"] == "payee-checks"


def test_certificate_without_psp_ai_gets_no_accounts_scope(eidas_app, pki):
    key, qwac = tpp_key(), pki.qwac(roles=("PSP_PI",))
    resp = register(eidas_app, {"software_statement": pki.statement(("PISP",), tpp_key=key)},
                    qwac)
    assert resp.get_json()["roles"] == ["COP"]
    tpp = tpp_for(eidas_app, resp.get_json(), key, qwac)
    answer = tpp.post_form("/token", {"grant_type": "client_credentials", "scope": "accounts",
                                      **tpp.auth_form()})
    assert answer.status_code == 400 and answer.get_json()["error"] == "invalid_scope"


def test_statement_roles_beyond_the_certificate_are_refused(eidas_app, pki):
    resp = register(eidas_app, {"software_statement": pki.statement(("AISP", "PISP"))},
                    pki.qwac(roles=("PSP_PI",)))
    refused(resp, "unapproved_software_statement", "beyond the certificate: PSP_AI")


def test_statement_signed_by_another_key_is_invalid(eidas_app, pki):
    # it names the directory's key but that key did not sign it: a forgery
    resp = register(eidas_app, {"software_statement": pki.statement(key=new_key())}, pki.qwac())
    refused(resp, "invalid_software_statement", "signature is invalid")


def test_statement_signed_by_a_key_the_directory_does_not_hold_is_unapproved(eidas_app, pki):
    resp = register(eidas_app, {"software_statement": pki.statement(kid="elsewhere-1")},
                    pki.qwac())
    refused(resp, "unapproved_software_statement", "not signed by a key of the directory")


def test_statement_from_another_issuer_is_unapproved(eidas_app, pki):
    resp = register(eidas_app, {"software_statement": pki.statement(iss="Elsewhere")},
                    pki.qwac())
    refused(resp, "unapproved_software_statement", "not issued by the directory")


def test_expired_statement_is_invalid(eidas_app, pki):
    resp = register(eidas_app, {"software_statement": pki.statement(exp_in=-5)}, pki.qwac())
    refused(resp, "invalid_software_statement", "expired")


def test_garbage_statement_is_invalid(eidas_app, pki):
    refused(register(eidas_app, {"software_statement": "not.a.jwt"}, pki.qwac()),
            "invalid_software_statement")


def test_revoked_organisation_in_the_statement_is_unapproved(eidas_app, pki):
    resp = register(eidas_app, {"software_statement": pki.statement(org_status="Revoked")},
                    pki.qwac())
    refused(resp, "unapproved_software_statement", "Revoked")


def test_redirect_uris_must_be_the_statements(eidas_app, pki):
    resp = register(eidas_app, {"software_statement": pki.statement(),
                                "redirect_uris": ["https://evil.example/cb"]}, pki.qwac())
    refused(resp, "invalid_redirect_uri")


@pytest.mark.parametrize(("make", "words"), [
    (lambda pki: pki.qwac(roles=None), "no PSD2 QC statement"),
    (lambda pki: pki.qwac(ca=SandboxCa.create("Rogue QTSP")), "trusted QTSP"),
    (lambda pki: pki.qwac(not_before=dt.datetime(2019, 1, 1, tzinfo=dt.UTC),
                          not_after=dt.datetime(2020, 1, 1, tzinfo=dt.UTC)), "not valid now"),
])
def test_bad_certificates_are_refused(eidas_app, pki, make, words):
    resp = register(eidas_app, {"software_statement": pki.statement()}, make(pki))
    refused(resp, "invalid_client_metadata", words)


def test_revoked_certificate_is_refused(eidas_app, pki):
    qwac = pki.qwac()
    pki.crls.revoked.add(qwac.serial_number)
    refused(register(eidas_app, {"software_statement": pki.statement()}, qwac),
            "invalid_client_metadata", "revoked (CRL)")


def test_revoked_after_registration_is_refused_at_the_token_endpoint(eidas_app, pki):
    key, qwac = tpp_key(), pki.qwac()
    body = register(eidas_app, {"software_statement": pki.statement(tpp_key=key)},
                    qwac).get_json()
    pki.crls.revoked.add(qwac.serial_number)
    eidas_app.extensions["auth"].eidas.verifier.revocation._crls.clear()  # the CRL's next update
    tpp = tpp_for(eidas_app, body, key, qwac)
    answer = tpp.post_form("/token", {"grant_type": "client_credentials", **tpp.auth_form()})
    assert answer.status_code == 401 and answer.get_json()["error"] == "invalid_client"
    assert "revoked" in answer.get_json()["error_description"]


def test_statement_without_certificate_when_not_required(eidas_app, pki):
    resp = register(eidas_app, {"software_statement": pki.statement(("PISP",), tpp_key=tpp_key())})
    assert resp.status_code == 201 and resp.get_json()["roles"] == ["COP"]


def test_no_statement_and_no_token_is_401(eidas_app, pki):
    resp = register(eidas_app, {"client_name": "x"}, pki.qwac())
    assert resp.status_code == 401 and resp.get_json()["error"] == "invalid_token"
