"""With TRUSTED_PROXIES set, only those peers may send the certificate header."""

from __future__ import annotations

import pytest


@pytest.fixture
def app_settings():
    return {"TRUSTED_PROXIES": "198.51.100.7"}


def test_configured_proxy_is_trusted_and_loopback_is_not(make_tpp):
    tpp = make_tpp(roles=("COP",), binding="mtls", auth_method="tls_client_auth")
    form = {"grant_type": "client_credentials", **tpp.auth_form()}
    ok = tpp.client.post("/token", data=form, headers=tpp.cert_headers(),
                         environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert ok.status_code == 200, ok.get_json()
    refused = tpp.client.post("/token", data={**form}, headers=tpp.cert_headers())
    assert refused.status_code == 400
