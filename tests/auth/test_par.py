"""Pushed authorisation requests and /authorize: PAR required, request_uri single use, short
lived and bound to its client, PKCE S256 only, exact redirect_uri, dpop_jkt."""

from __future__ import annotations

import time

import pytest
import time_machine
from werkzeug.datastructures import MultiDict

from tests.fixtures.auth import PSU_PASSWORD


def _push(tpp, **extra):
    resp, verifier, _ = tpp.par("accounts", extra)
    return resp


def _oauth_error(resp, error, status=400):
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["error"] == error


def test_par_answer(make_tpp):
    resp = _push(make_tpp())
    assert resp.status_code == 201
    assert resp.get_json()["expires_in"] == 90
    assert resp.headers["Cache-Control"] == "no-store"


def test_authorize_without_par_is_refused(make_tpp):
    tpp = make_tpp()
    resp = tpp.client.get(f"/authorize?client_id={tpp.client_id}&response_type=code"
                          f"&redirect_uri={tpp.redirect_uri}&scope=accounts")
    assert resp.status_code == 400
    assert "invalid_request" in resp.get_data(as_text=True)


def test_par_requires_client_authentication(make_tpp):
    tpp = make_tpp()
    resp = tpp.client.post("/par", data={"response_type": "code", "client_id": tpp.client_id,
                                         "redirect_uri": tpp.redirect_uri, "scope": "accounts"})
    _oauth_error(resp, "invalid_client", 401)


@pytest.mark.parametrize("extra, error", [
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge_method": None}, "invalid_request"),
    ({"code_challenge": None}, "invalid_request"),
    ({"redirect_uri": "https://tpp.example/other"}, "invalid_request"),
    ({"redirect_uri": None}, "invalid_request"),
    ({"response_type": "code id_token"}, "unsupported_response_type"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "payee-checks"}, "invalid_scope"),
    ({"request_uri": "urn:ietf:params:oauth:request_uri:x"}, "invalid_request"),
    ({"claims": "{not json"}, "invalid_request"),
])
def test_par_refuses(make_tpp, extra, error):
    _oauth_error(_push(make_tpp(), **extra), error)


def test_duplicate_parameters(make_tpp):
    tpp = make_tpp()
    data = MultiDict([("response_type", "code"), ("scope", "accounts"), ("scope", "status"),
            ("redirect_uri", tpp.redirect_uri), ("code_challenge", "x" * 43),
            ("code_challenge_method", "S256"), *tpp.auth_form().items()])
    resp = tpp.client.post("/par", data=data, headers=tpp.binding_headers("POST", "/par"))
    _oauth_error(resp, "invalid_request")


def test_par_rejects_get(make_tpp):
    assert make_tpp().client.get("/par").status_code == 405


def _sign_in(tpp, uri):
    return tpp.client.post("/authorize", data={"action": "sign_in", "request_uri": uri,
                                               "username": "alice", "password": PSU_PASSWORD})


def _approve(tpp, uri, page):
    interaction = page.get_data(as_text=True).split('name="interaction" value="')[1].split('"')[0]
    return tpp.client.post("/authorize", data={"action": "approve", "request_uri": uri,
                                               "interaction": interaction})


def test_request_uri_reusable_until_completed_then_refused(make_tpp, make_psu):
    make_psu("alice")
    tpp = make_tpp()
    uri = _push(tpp).get_json()["request_uri"]
    url = f"/authorize?client_id={tpp.client_id}&request_uri={uri}"
    assert tpp.client.get(url).status_code == 200
    assert tpp.client.get(url).status_code == 200  # a reload before authentication is fine
    assert _approve(tpp, uri, _sign_in(tpp, uri)).status_code == 303
    resp = tpp.client.get(url)
    assert resp.status_code == 400 and "invalid_request_uri" in resp.get_data(as_text=True)
    assert _sign_in(tpp, uri).status_code == 400


def test_request_uri_expired(make_tpp):
    tpp = make_tpp()
    uri = _push(tpp).get_json()["request_uri"]
    # Redis expiry runs on the Redis clock; the store's TTL is what we check.
    ttl = tpp.app.extensions["redis"].ttl(f"par:{uri}")
    assert 0 < ttl <= 90
    tpp.app.extensions["redis"].delete(f"par:{uri}")
    resp = tpp.client.get(f"/authorize?client_id={tpp.client_id}&request_uri={uri}")
    assert resp.status_code == 400 and "invalid_request_uri" in resp.get_data(as_text=True)


def test_request_uri_bound_to_client(make_tpp):
    tpp, other = make_tpp(), make_tpp(name="Other")
    uri = _push(tpp).get_json()["request_uri"]
    resp = other.client.get(f"/authorize?client_id={other.client_id}&request_uri={uri}")
    assert resp.status_code == 400


def test_wrong_password_and_lockout_page(make_tpp, make_psu):
    make_psu("alice")
    tpp = make_tpp()
    uri = _push(tpp).get_json()["request_uri"]
    resp = tpp.client.post("/authorize", data={"action": "sign_in", "request_uri": uri,
                                               "username": "alice", "password": "nope"})
    assert resp.status_code == 200 and "wrong password" in resp.get_data(as_text=True)


def test_decision_needs_sign_in(make_tpp):
    tpp = make_tpp()
    uri = _push(tpp).get_json()["request_uri"]
    resp = tpp.client.post("/authorize", data={"action": "approve", "request_uri": uri,
                                               "interaction": "guess"})
    assert resp.status_code == 400


def test_cancel_returns_access_denied(make_tpp):
    tpp = make_tpp()
    uri = _push(tpp).get_json()["request_uri"]
    resp = tpp.client.post("/authorize", data={"action": "cancel", "request_uri": uri})
    assert resp.status_code == 303 and "error=access_denied" in resp.location


def test_consent_id_from_claims_and_authorization_details(make_tpp, make_psu, app):
    from auth.hooks import register_authorization_handler

    seen = []
    app.extensions["auth.authorization_handlers"] = []  # only ours, not the consent package's
    register_authorization_handler(app, lambda ctx: seen.append(ctx) and None)
    make_psu("alice")
    tpp = make_tpp()
    claims = '{"id_token": {"openbanking_intent_id": {"value": "c-123", "essential": true}}}'
    tokens = tpp.authorize("alice", PSU_PASSWORD, "accounts", {"claims": claims})
    assert seen[0].consent_id == "c-123" and seen[0].client_name == "Test TPP"
    assert seen[0].request.params["claims"] == claims
    assert tpp.introspect(tokens["access_token"])["consent_id"] == "c-123"
    details = '[{"type": "account_access_consent", "consent_id": "c-456"}]'
    tokens = tpp.authorize("alice", PSU_PASSWORD, "accounts",
                           {"authorization_details": details})
    assert tpp.introspect(tokens["access_token"])["consent_id"] == "c-456"


def test_handler_takes_over_and_finishes(make_tpp, make_psu, app):
    from flask import request

    from auth.hooks import register_authorization_handler
    from auth.service import finish_authorization

    def consent_screen(ctx):
        return (f'<form><input name="interaction" value="{ctx.interaction}">'
                f'<input name="uri" value="{ctx.request_uri}"></form>')

    app.extensions["auth.authorization_handlers"] = []
    register_authorization_handler(app, consent_screen)

    @app.post("/_test/consent-done")
    def done():
        return finish_authorization(request.form["uri"], request.form["interaction"],
                                    approved=True, consent_id="from-handler")

    def drive(client, resp):
        html = resp.get_data(as_text=True)
        interaction = html.split('name="interaction" value="')[1].split('"')[0]
        uri = html.split('name="uri" value="')[1].split('"')[0]
        return client.post("/_test/consent-done", data={"interaction": interaction, "uri": uri})

    make_psu("alice")
    tpp = make_tpp()
    tokens = tpp.authorize("alice", PSU_PASSWORD, "accounts", drive=drive)
    assert tpp.introspect(tokens["access_token"])["consent_id"] == "from-handler"


def test_time_machine_request_uri_lifetime_is_below_600(make_tpp):
    with time_machine.travel(time.time(), tick=False):
        assert _push(make_tpp()).get_json()["expires_in"] < 600
