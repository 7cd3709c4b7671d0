"""The per-bank security-profile switches: parsed from SANDBOX_BANK_PROFILES, refused when
they name a switch or a bank that does not exist, and advertised in the bank's discovery."""

from __future__ import annotations

import pytest
from flask import Flask

from sandbox import mount
from sandbox.bank import Profile
from sandbox.settings import bank_profiles
from sandbox.trust import sandbox_banks


def test_switches_parse_in_any_order():
    assert bank_profiles("northgate=par+jarm+mtls, thamesmoor=hybrid") == {
        "northgate": Profile("jarm", par=True, mtls=True), "thamesmoor": Profile("hybrid")}
    assert bank_profiles("") == {}
    assert bank_profiles("northgate=by-value") == {"northgate": Profile()}


@pytest.mark.parametrize("value", ["northgate=jarm+hybrid", "northgate=fast", "=jarm", "jarm"])
def test_wrong_switches_are_refused_with_the_form_to_use(value):
    with pytest.raises(ValueError, match="hybrid|bank=switches"):
        bank_profiles(value)


def test_profiles_apply_to_uk_banks_only():
    with pytest.raises(ValueError, match="UK sandbox banks"):
        sandbox_banks({}, profiles={"rheinfeld": Profile()})


def test_discovery_advertises_the_switches():
    app = Flask("profiles")
    mount(app, sandbox_banks({}, profiles={"northgate": Profile("jarm", par=True, mtls=True)}))
    client = app.test_client()
    strict = client.get("/sandbox/northgate/.well-known/openid-configuration").get_json()
    lenient = client.get("/sandbox/thamesmoor/.well-known/openid-configuration").get_json()
    assert strict["response_types_supported"] == ["code"]
    assert "jwt" in strict["response_modes_supported"]
    assert strict["pushed_authorization_request_endpoint"].endswith("/sandbox/northgate/oauth/par")
    assert strict["require_pushed_authorization_requests"] is True
    assert strict["token_endpoint_auth_methods_supported"] == ["private_key_jwt",
                                                               "tls_client_auth"]
    assert client.get("/sandbox/northgate/.well-known/jwks.json").get_json()["keys"]
    assert "jwks_uri" not in lenient and lenient["response_types_supported"] == ["code"]
    assert client.post("/sandbox/thamesmoor/oauth/par").status_code == 404
