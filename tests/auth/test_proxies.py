"""The client-certificate header is accepted only from TRUSTED_PROXIES."""

from __future__ import annotations

import pytest

from auth import mtls
from auth.proxies import TrustedProxies, TrustedProxiesError, parse_trusted_proxies
from tests.fixtures.auth import self_signed_cert

OUTSIDER = {"REMOTE_ADDR": "203.0.113.9"}


@pytest.mark.parametrize(("value", "issuer", "trusted", "untrusted"), [
    ("", "http://localhost", ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"],
     ["10.0.0.1", "203.0.113.9"]),
    ("", "http://127.0.0.1:8000", ["127.0.0.1"], ["10.0.0.1"]),
    ("", "https://api.bank.example", [], ["127.0.0.1", "10.0.0.1"]),
    ("none", "http://localhost", [], ["127.0.0.1"]),
    ("10.0.0.5, 10.1.0.0/16,fd00::/8", "https://api.bank.example",
     ["10.0.0.5", "10.1.200.3", "fd00::7"], ["10.0.0.6", "127.0.0.1", "10.2.0.1"]),
])
def test_trusted_proxies(value, issuer, trusted, untrusted):
    proxies = TrustedProxies(parse_trusted_proxies(value, issuer))
    assert all(proxies.trusts(a) for a in trusted)
    assert not any(proxies.trusts(a) for a in untrusted)
    assert not proxies.trusts(None) and not proxies.trusts("not-an-ip")


def test_a_bad_entry_names_the_setting():
    with pytest.raises(TrustedProxiesError, match="TRUSTED_PROXIES: 'proxy.internal'"):
        parse_trusted_proxies("10.0.0.5,proxy.internal", "https://x.example")


def test_bad_setting_stops_the_start(database_url, signing_keys_dir):
    from core.app import create_app

    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        create_app({"DATABASE_URL": database_url, "ISSUER": "https://x.example",
                    "SIGNING_KEYS_DIR": signing_keys_dir, "TRUSTED_PROXIES": "10.0.0.300"})


def test_token_endpoint_refuses_the_header_from_an_untrusted_peer(make_tpp):
    tpp = make_tpp(roles=("COP",), binding="mtls", auth_method="tls_client_auth")
    resp = tpp.client.post("/token", data={"grant_type": "client_credentials",
                                           **tpp.auth_form()},
                           headers=tpp.cert_headers(), environ_base=OUTSIDER)
    assert resp.status_code == 400
    body = resp.get_json()
    assert body["error"] == "invalid_request"
    assert "TRUSTED_PROXIES" in body["error_description"]
    assert "203.0.113.9" in body["error_description"]
    # the same request through the (loopback) proxy
    assert tpp.post_form("/token", {"grant_type": "client_credentials",
                                    **tpp.auth_form()}).status_code == 200


def test_resource_endpoint_refuses_the_header_from_an_untrusted_peer(make_tpp):
    tpp = make_tpp(roles=("COP",), binding="mtls", auth_method="tls_client_auth")
    token = tpp.token("status")
    resp = tpp.client.get("/tpp/client", headers={"Authorization": f"Bearer {token}",
                                                  **tpp.cert_headers()},
                          environ_base=OUTSIDER)
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    assert "TRUSTED_PROXIES" in resp.get_json()["detail"]


def test_forged_header_cannot_bind_a_dpop_client_to_a_certificate(make_tpp):
    """Even a request that would not need the certificate is refused, not silently served."""
    tpp = make_tpp(roles=("COP",))
    forged = {"X-SSL-Client-Cert": mtls.encode_for_header(self_signed_cert("x"))}
    resp = tpp.client.get("/status", headers=forged, environ_base=OUTSIDER)
    assert resp.status_code == 400


def test_requests_without_the_header_are_untouched(client):
    assert client.get("/healthz", environ_base=OUTSIDER).status_code == 200
