"""EIDAS_REQUIRED: off by default (operator and token registrations keep working); on, a
registration needs a QWAC and TPP clients (AISP, COP) need an eIDAS identity and their QWAC."""

from __future__ import annotations

import pytest

from tests.auth.eidas_helpers import Pki, register, tpp_for, tpp_key


@pytest.fixture
def pki(tmp_path):
    return Pki(tmp_path)


@pytest.fixture
def app_settings(pki):
    return pki.settings(EIDAS_REQUIRED=True)


@pytest.fixture
def eidas_app(app, pki):
    pki.install(app)
    return app


def test_registration_without_a_qwac_is_refused(eidas_app, pki):
    resp = register(eidas_app, {"software_statement": pki.statement(tpp_key=tpp_key())})
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_client_metadata"
    assert "EIDAS_REQUIRED" in resp.get_json()["error_description"]


def test_registered_tpp_must_present_its_qwac(eidas_app, pki):
    key, qwac = tpp_key(), pki.qwac()
    body = register(eidas_app, {"software_statement": pki.statement(tpp_key=key)},
                    qwac).get_json()
    assert tpp_for(eidas_app, body, key, qwac).token_response("status")["scope"] == "status"
    bare = tpp_for(eidas_app, body, key)
    resp = bare.post_form("/token", {"grant_type": "client_credentials", **bare.auth_form()})
    assert resp.status_code == 401 and "present your QWAC" in resp.get_json()[
        "error_description"]


def test_qwac_of_another_organisation_is_refused(eidas_app, pki):
    key = tpp_key()
    body = register(eidas_app, {"software_statement": pki.statement(tpp_key=key)},
                    pki.qwac()).get_json()
    other = tpp_for(eidas_app, body, key, pki.qwac(org_id="PSDGB-FCA-999999"))
    resp = other.post_form("/token", {"grant_type": "client_credentials", **other.auth_form()})
    assert resp.status_code == 401 and "another organisation" in resp.get_json()[
        "error_description"]


def test_operator_registered_tpp_without_eidas_is_refused(eidas_app, make_tpp):
    tpp = make_tpp(roles=("AISP",))
    resp = tpp.post_form("/token", {"grant_type": "client_credentials", **tpp.auth_form()})
    assert resp.status_code == 401 and "EIDAS_REQUIRED" in resp.get_json()["error_description"]


def test_operator_clients_outside_psd2_keep_working(eidas_app, make_tpp):
    tpp = make_tpp(roles=("STATUS_ADMIN",))
    assert tpp.token_response("status-admin")["scope"] == "status-admin"


@pytest.mark.parametrize("app_settings", [{}])
def test_by_default_operator_tpps_keep_working(app, make_tpp, app_settings):
    assert make_tpp(roles=("AISP",)).token_response("status")["scope"] == "status"
