"""Signed introspection responses (RFC 9701)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auth import introspection
from tests.fixtures.auth import ISSUER
from tests.fixtures.message_signing import server_verify

JWT_ACCEPT = "application/token-introspection+jwt"


def _introspect(tpp, token, accept=JWT_ACCEPT):
    return tpp.post_form("/introspect", {"token": token, **tpp.auth_form()},
                         {"Accept": accept}, bind=False)


def test_signed_answer_for_an_active_token(make_tpp):
    tpp = make_tpp()
    token = tpp.token("accounts")
    resp = _introspect(tpp, token)
    assert resp.status_code == 200
    assert resp.mimetype == JWT_ACCEPT
    assert resp.headers["Cache-Control"] == "no-store"
    _, claims = server_verify(tpp.client, resp.get_data(as_text=True), "token-introspection+jwt")
    assert claims["iss"] == ISSUER and claims["aud"] == tpp.client_id
    assert abs(claims["iat"] - time.time()) < 5
    body = claims["token_introspection"]
    assert body["active"] is True and body["scope"] == "accounts"
    assert body["cnf"] == {"jkt": tpp.dpop_key.thumbprint()}
    assert body == tpp.introspect(token)  # the same members as the JSON answer


def test_signed_answer_for_an_unknown_token(make_tpp):
    tpp = make_tpp()
    resp = _introspect(tpp, "not-a-token")
    _, claims = server_verify(tpp.client, resp.get_data(as_text=True), "token-introspection+jwt")
    assert claims["token_introspection"] == {"active": False}


def test_json_unless_asked(make_tpp):
    tpp = make_tpp()
    resp = _introspect(tpp, tpp.token("accounts"), accept="application/json")
    assert resp.mimetype == "application/json" and resp.get_json()["active"] is True


def test_client_authentication_still_required(make_tpp):
    tpp = make_tpp()
    resp = tpp.client.post("/introspect", data={"token": "x"}, headers={"Accept": JWT_ACCEPT})
    assert resp.status_code == 401 and resp.get_json()["error"] == "invalid_client"


def test_metadata_advertises_signed_introspection(client, app):
    meta = client.get("/.well-known/oauth-authorization-server").get_json()
    assert meta["introspection_signing_alg_values_supported"] == [app.config["SIGNING_ALG"]]


@pytest.mark.parametrize("accept, wanted", [
    (JWT_ACCEPT, True),
    ("application/json, application/token-introspection+jwt", True),
    ("Application/Token-Introspection+JWT;q=0.5", True),
    ("application/token-introspection+jwt;q=0", False),
    ("application/token-introspection+jwt;q=x", False),
    ("application/json", False),
    ("*/*", False),
    (None, False),
])
def test_accept_header(accept, wanted):
    assert introspection.wants_jwt(accept) is wanted


@given(st.text(max_size=80))
def test_accept_parser_never_raises_property(accept):
    assert introspection.wants_jwt(accept) in (True, False)
