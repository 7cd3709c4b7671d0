"""DPoP server nonces (RFC 9449 §8 at /token and /par, §9 at resource endpoints)."""

from __future__ import annotations

import json
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auth.dpop_nonce import DpopNonces, NonceRequired, derive_secret
from auth.jose import b64url
from core.app import create_app
from tests.fixtures.auth import PSU_PASSWORD


@pytest.fixture
def app_settings(request):
    return getattr(request, "param", {})


ALL = pytest.mark.parametrize("app_settings", [{"DPOP_NONCE": "all"}], indirect=True)
OFF = pytest.mark.parametrize("app_settings", [{"DPOP_NONCE": "off"}], indirect=True)


def _client_credentials(tpp):
    return tpp.client.post("/token", data={"grant_type": "client_credentials",
                                           "scope": "accounts", **tpp.auth_form()},
                           headers=tpp.binding_headers("POST", "/token"))


def test_token_endpoint_asks_for_a_nonce_by_default(make_tpp):
    tpp = make_tpp()
    tpp.dpop_nonce = None
    resp = _client_credentials(tpp)
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "use_dpop_nonce"
    assert resp.headers["Cache-Control"] == "no-store"
    nonce = resp.headers["DPoP-Nonce"]
    tpp.dpop_nonce = nonce
    resp = _client_credentials(tpp)
    assert resp.status_code == 200, resp.get_json()
    assert resp.headers["DPoP-Nonce"] == nonce


def test_client_retries_once_with_the_nonce(make_tpp, make_psu, protected):
    make_psu("alice")
    tpp = make_tpp()
    tpp.dpop_nonce = None
    tokens = tpp.authorize("alice", PSU_PASSWORD, "accounts")  # PAR and /token challenged
    assert tpp.dpop_nonce
    assert tpp.refresh(tokens["refresh_token"]).status_code == 200
    # DPOP_NONCE=token leaves resource calls alone: no nonce asked, none sent.
    resp = tpp.request("GET", protected, token=tokens["access_token"])
    assert resp.status_code == 200 and "DPoP-Nonce" not in resp.headers


def test_par_asks_for_a_nonce(make_tpp):
    tpp = make_tpp()
    tpp.dpop_nonce = "stale-or-forged"
    resp = tpp.client.post("/par", data={"response_type": "code", **tpp.auth_form()},
                           headers=tpp.binding_headers("POST", "/par"))
    assert resp.get_json() == {"error": "use_dpop_nonce", "error_description":
                               "the DPoP proof's nonce is stale or unknown"}
    assert resp.headers["DPoP-Nonce"]


def test_stale_nonce_is_refused(app, make_tpp):
    tpp = make_tpp()
    nonces = app.extensions["auth.dpop_nonces"]
    tpp.dpop_nonce = nonces.current(time.time() - 2 * nonces.window - 1)
    assert _client_credentials(tpp).get_json()["error"] == "use_dpop_nonce"


def test_mtls_clients_are_not_asked(make_tpp):
    tpp = make_tpp(binding="mtls", auth_method="tls_client_auth")
    assert tpp.token_response("accounts")["token_type"] == "Bearer"


@OFF
def test_off_needs_no_nonce(make_tpp):
    tpp = make_tpp()
    tpp.dpop_nonce = None
    resp = _client_credentials(tpp)
    assert resp.status_code == 200 and "DPoP-Nonce" not in resp.headers


@ALL
def test_resource_endpoints_challenge_with_401(make_tpp, protected):
    tpp = make_tpp()
    token = tpp.token("accounts")
    tpp.dpop_nonce = None
    sent = {"Authorization": f"DPoP {token}", **tpp.binding_headers("GET", protected, token)}
    resp = tpp.client.get(protected, headers=sent)
    assert resp.status_code == 401
    assert resp.mimetype == "application/problem+json"
    assert resp.get_json()["error"] == "use_dpop_nonce"
    challenge = resp.headers["WWW-Authenticate"]
    assert challenge.startswith("DPoP ") and 'error="use_dpop_nonce"' in challenge
    nonce = resp.headers["DPoP-Nonce"]
    tpp.dpop_nonce = nonce
    resp = tpp.request("GET", protected, token=token)
    assert resp.status_code == 200 and resp.headers["DPoP-Nonce"] == nonce


@ALL
def test_resource_client_retries_once(make_tpp, protected):
    tpp = make_tpp()
    token = tpp.token("accounts")
    tpp.dpop_nonce = None
    assert tpp.request("GET", protected, token=token).status_code == 200


@ALL
def test_invalid_proof_is_reported_before_the_nonce(make_tpp, protected):
    tpp = make_tpp()
    token = tpp.token("accounts")
    tpp.dpop_nonce = None
    sent = {"Authorization": f"DPoP {token}", "DPoP": tpp.dpop_proof("POST", protected, token)}
    assert tpp.client.get(protected, headers=sent).get_json()["error"] == "invalid_dpop_proof"


@pytest.mark.parametrize("settings, message", [
    ({"DPOP_NONCE": "sometimes"}, "DPOP_NONCE must be one of off, token, all"),
    ({"DPOP_NONCE_WINDOW": 1}, "DPOP_NONCE_WINDOW must be between 10 and 86400 seconds"),
])
def test_bad_settings_name_the_setting(database_url, signing_keys_dir, settings, message):
    with pytest.raises(ValueError, match=message):
        create_app({"DATABASE_URL": database_url, "SIGNING_KEYS_DIR": signing_keys_dir,
                    "TESTING": True, **settings})


def test_secret_is_shared_by_apps_with_the_same_keys(app):
    keys = app.extensions["auth"].keys
    assert derive_secret("", keys) == derive_secret("", keys)
    assert derive_secret("configured", keys) == b"configured"


T0 = 1_800_000_000


@given(t=st.integers(T0, T0 + 10**7), window=st.integers(10, 3600), data=st.data())
def test_a_nonce_lives_one_more_window_property(t, window, data):
    nonces = DpopNonces(secret=b"k", window=window)
    nonce = nonces.current(t)
    start = t - t % window
    offset = data.draw(st.integers(0, window - 1))
    assert nonces.accepted(nonce, start + offset)               # its own window
    assert nonces.accepted(nonce, start + window + offset)      # and the next one
    assert not nonces.accepted(nonce, start + 2 * window + offset)
    assert not nonces.accepted(nonce, start - 2 * window + offset)
    assert not DpopNonces(secret=b"other", window=window).accepted(nonce, t)


@given(st.one_of(st.none(), st.text(max_size=40), st.integers()))
def test_unknown_nonces_raise_with_a_fresh_one_property(value):
    nonces = DpopNonces(secret=b"k")
    assert not nonces.accepted(value, T0)
    with pytest.raises(NonceRequired) as caught:
        nonces.check(_unsigned({"nonce": value}), T0)
    assert caught.value.nonce == nonces.current(T0)


def _unsigned(claims: dict) -> str:
    return ".".join([b64url(b'{"alg":"ES256"}'), b64url(json.dumps(claims).encode()), "x"])
