"""JWT Secured Authorization Response Mode (response_mode=jwt / query.jwt)."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auth import jarm
from auth.errors import OAuthError
from tests.fixtures.auth import ISSUER
from tests.fixtures.message_signing import approve, push_signed, request_object, server_verify


@pytest.fixture
def alice(make_psu):
    return make_psu("alice")


def _response_claims(tpp, location):
    query = parse_qs(urlsplit(location).query)
    assert set(query) == {"response"}, query  # nothing else travels in the clear
    _, claims = server_verify(tpp.client, query["response"][0], jarm.RESPONSE_TYPE)
    return claims


@pytest.mark.parametrize("mode", ["jwt", "query.jwt"])
def test_signed_authorisation_response(make_tpp, alice, mode):
    tpp = make_tpp()
    resp, verifier, state = tpp.par("accounts", {"response_mode": mode})
    assert resp.status_code == 201, resp.get_json()
    location = approve(tpp, resp.get_json()["request_uri"]).location
    assert location.startswith(tpp.redirect_uri + "?response=")
    claims = _response_claims(tpp, location)
    assert claims["iss"] == ISSUER and claims["aud"] == tpp.client_id
    assert claims["state"] == state
    assert 0 < claims["exp"] - time.time() <= jarm.LIFETIME
    tokens = tpp.exchange_code(claims["code"], verifier)
    assert tokens.status_code == 200, tokens.get_json()


def test_refusal_is_signed_too(make_tpp, alice):
    tpp = make_tpp()
    resp, _, state = tpp.par("accounts", {"response_mode": "jwt"})
    location = approve(tpp, resp.get_json()["request_uri"], approve=False).location
    claims = _response_claims(tpp, location)
    assert claims["error"] == "access_denied" and claims["state"] == state
    assert "code" not in claims


def test_with_a_signed_request_object(make_tpp, alice):
    tpp = make_tpp()
    resp = push_signed(tpp, request_object(tpp, response_mode="jwt"))
    assert resp.status_code == 201, resp.get_json()
    claims = _response_claims(tpp, approve(tpp, resp.get_json()["request_uri"]).location)
    assert claims["state"] == "state-in-object" and claims["code"]


def test_plain_query_still_the_default(make_tpp, alice):
    tpp = make_tpp()
    resp, _, _ = tpp.par("accounts", {"response_mode": "query"})
    query = parse_qs(urlsplit(approve(tpp, resp.get_json()["request_uri"]).location).query)
    assert query["iss"] == [ISSUER] and "code" in query


@pytest.mark.parametrize("mode", ["fragment", "form_post", "fragment.jwt", "form_post.jwt", ""])
def test_unsupported_modes_are_refused_at_par(make_tpp, mode):
    tpp = make_tpp()
    resp, _, _ = tpp.par("accounts", {"response_mode": mode})
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_request"
    assert "response_mode" in resp.get_json()["error_description"]


def test_metadata_advertises_jarm(client, app):
    meta = client.get("/.well-known/oauth-authorization-server").get_json()
    assert meta["response_modes_supported"] == ["query", "jwt", "query.jwt"]
    assert meta["authorization_signing_alg_values_supported"] == [app.config["SIGNING_ALG"]]


@given(st.one_of(st.none(), st.text(max_size=20)))
def test_response_mode_validation_property(mode):
    form = {} if mode is None else {"response_mode": mode}
    try:
        jarm.validate_response_mode(form)
    except OAuthError:
        assert mode not in jarm.RESPONSE_MODES
    else:
        assert mode is None or mode in jarm.RESPONSE_MODES
    assert jarm.wanted(form) == (mode in jarm.JWT_MODES)
