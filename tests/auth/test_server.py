"""The token endpoint's grants: codes, PKCE, binding of codes and refresh tokens to keys."""

from __future__ import annotations

import time

import pytest

from tests.fixtures.auth import PSU_PASSWORD, new_key


@pytest.fixture
def alice(make_psu):
    return make_psu("alice")


def _error(resp, error, status=400):
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["error"] == error
    return resp.get_json()


def test_code_reuse_revokes_issued_tokens(make_tpp, alice, protected):
    tpp = make_tpp()
    code, verifier = tpp.authorize_code("alice", PSU_PASSWORD, "accounts")
    first = tpp.exchange_code(code, verifier).get_json()
    assert tpp.request("GET", protected, token=first["access_token"]).status_code == 200
    time.sleep(1)  # conformance: "attempt reuse of authorisation code after one second"
    _error(tpp.exchange_code(code, verifier), "invalid_grant")
    assert tpp.request("GET", protected, token=first["access_token"]).status_code == 401
    _error(tpp.refresh(first["refresh_token"]), "invalid_grant")


def test_wrong_pkce_verifier(make_tpp, alice):
    tpp = make_tpp()
    code, verifier = tpp.authorize_code("alice", PSU_PASSWORD, "accounts")
    _error(tpp.exchange_code(code, verifier[:-1] + ("A" if verifier[-1] != "A" else "B")),
           "invalid_grant")


def _wrong(verifier: str) -> str:
    return verifier[:-1] + ("A" if verifier[-1] != "A" else "B")


def test_wrong_verifier_does_not_burn_the_code(make_tpp, alice, protected):
    """RFC 9700 §4.5: a redemption that cannot prove it holds the verifier consumes nothing,
    so the legitimate client still gets its tokens, and they stay valid."""
    tpp = make_tpp()
    code, verifier = tpp.authorize_code("alice", PSU_PASSWORD, "accounts")
    _error(tpp.exchange_code(code, _wrong(verifier)), "invalid_grant")
    resp = tpp.exchange_code(code, verifier)
    assert resp.status_code == 200, resp.get_json()
    assert tpp.request("GET", protected, token=resp.get_json()["access_token"]).status_code == 200


def test_another_clients_attempt_does_not_burn_the_code(make_tpp, alice):
    tpp, other = make_tpp(), make_tpp(name="Other")
    code, verifier = tpp.authorize_code("alice", PSU_PASSWORD, "accounts")
    other.redirect_uri = tpp.redirect_uri
    body = _error(other.exchange_code(code, verifier), "invalid_grant")
    assert "another client" in body["error_description"]
    assert tpp.exchange_code(code, verifier).status_code == 200


def test_three_failed_attempts_burn_the_code(make_tpp, alice):
    tpp = make_tpp()
    code, verifier = tpp.authorize_code("alice", PSU_PASSWORD, "accounts")
    for _ in range(2):
        _error(tpp.exchange_code(code, _wrong(verifier)), "invalid_grant")
    body = _error(tpp.exchange_code(code, _wrong(verifier)), "invalid_grant")
    assert "burnt" in body["error_description"]
    body = _error(tpp.exchange_code(code, verifier), "invalid_grant")
    assert "unknown or expired" in body["error_description"]


def test_replay_after_failed_attempts_still_revokes(make_tpp, alice, protected):
    tpp = make_tpp()
    code, verifier = tpp.authorize_code("alice", PSU_PASSWORD, "accounts")
    _error(tpp.exchange_code(code, _wrong(verifier)), "invalid_grant")
    first = tpp.exchange_code(code, verifier).get_json()
    body = _error(tpp.exchange_code(code, verifier), "invalid_grant")
    assert "revoked" in body["error_description"]
    assert tpp.request("GET", protected, token=first["access_token"]).status_code == 401


def test_missing_pkce_verifier(make_tpp, alice):
    tpp = make_tpp()
    code, _ = tpp.authorize_code("alice", PSU_PASSWORD, "accounts")
    _error(tpp.exchange_code(code, None), "invalid_grant")


def test_redirect_uri_mismatch(make_tpp, alice):
    tpp = make_tpp()
    code, verifier = tpp.authorize_code("alice", PSU_PASSWORD, "accounts")
    _error(tpp.exchange_code(code, verifier, redirect_uri="https://tpp.example/other"),
           "invalid_grant")


def test_code_bound_to_client(make_tpp, alice):
    tpp, other = make_tpp(), make_tpp(name="Other")
    code, verifier = tpp.authorize_code("alice", PSU_PASSWORD, "accounts")
    other.redirect_uri = tpp.redirect_uri
    _error(other.exchange_code(code, verifier), "invalid_grant")


def test_expired_code(app, make_tpp, alice):
    app.extensions["auth"].code_lifetime = 1
    tpp = make_tpp()
    code, verifier = tpp.authorize_code("alice", PSU_PASSWORD, "accounts")
    time.sleep(2.1)
    _error(tpp.exchange_code(code, verifier), "invalid_grant")


def test_code_lifetime_is_sixty_seconds(app):
    assert app.extensions["auth"].code_lifetime <= 60


def test_dpop_jkt_at_par_binds_the_code(make_tpp, alice):
    tpp = make_tpp()
    code, verifier = tpp.authorize_code("alice", PSU_PASSWORD, "accounts")
    tpp.dpop_key = new_key()  # the token request is proofed with another key
    _error(tpp.exchange_code(code, verifier), "invalid_grant")


def test_empty_dpop_header_at_par(make_tpp):
    resp, _, _ = make_tpp().par("accounts", headers={"DPoP": ""})
    _error(resp, "invalid_dpop_proof")


def test_dpop_jkt_without_proof_at_par(make_tpp):
    tpp = make_tpp(binding="mtls", name="mtls")
    resp, _, _ = tpp.par("accounts", {"dpop_jkt": new_key().thumbprint()})
    assert resp.status_code == 201


def test_mismatched_dpop_jkt_and_proof_at_par(make_tpp):
    tpp = make_tpp()
    resp, _, _ = tpp.par("accounts", {"dpop_jkt": new_key().thumbprint()})
    _error(resp, "invalid_dpop_proof")


def test_holder_of_key_required(make_tpp):
    tpp = make_tpp()
    resp = tpp.post_form("/token", {"grant_type": "client_credentials", **tpp.auth_form()},
                         bind=False)
    _error(resp, "invalid_request")


@pytest.mark.parametrize("case", ["htm", "htu", "replay", "typ"])
def test_token_endpoint_dpop_negatives(make_tpp, case):
    tpp = make_tpp()
    proof = {"htm": tpp.dpop_proof("GET", "/token"),
             "htu": tpp.dpop_proof("POST", "/par"),
             "typ": tpp.dpop_proof("POST", "/token", header={"typ": "JWT"}),
             "replay": tpp.dpop_proof("POST", "/token")}[case]
    data = {"grant_type": "client_credentials", "scope": "accounts"}
    if case == "replay":
        assert tpp.post_form("/token", {**data, **tpp.auth_form()}, {"DPoP": proof},
                             bind=False).status_code == 200
    resp = tpp.post_form("/token", {**data, **tpp.auth_form()}, {"DPoP": proof}, bind=False)
    _error(resp, "invalid_dpop_proof")


def test_refresh_bound_to_the_same_key(make_tpp, alice):
    tpp = make_tpp()
    tokens = tpp.authorize("alice", PSU_PASSWORD, "accounts")
    original = tpp.dpop_key
    tpp.dpop_key = new_key()
    _error(tpp.refresh(tokens["refresh_token"]), "invalid_grant")
    tpp.dpop_key = original
    refreshed = tpp.refresh(tokens["refresh_token"]).get_json()
    assert "refresh_token" not in refreshed  # no rotation (FAPI 2.0)


def test_refresh_cannot_widen_scope(make_tpp, alice):
    tpp = make_tpp()
    tokens = tpp.authorize("alice", PSU_PASSWORD, "accounts")
    _error(tpp.refresh(tokens["refresh_token"], scope="accounts status"), "invalid_scope")


def test_refresh_token_of_another_client(make_tpp, alice):
    tpp, other = make_tpp(), make_tpp(name="Other")
    tokens = tpp.authorize("alice", PSU_PASSWORD, "accounts")
    other.dpop_key = tpp.dpop_key
    _error(other.refresh(tokens["refresh_token"]), "invalid_grant")


def test_scope_beyond_roles(make_tpp):
    tpp = make_tpp(roles=("COP",))
    resp = tpp.post_form("/token", {"grant_type": "client_credentials", "scope": "accounts",
                                    **tpp.auth_form()})
    _error(resp, "invalid_scope")


def test_default_scope_is_what_roles_allow(make_tpp):
    body = make_tpp(roles=("COP",)).token_response()
    assert set(body["scope"].split()) == {"payee-checks", "status"}


def test_unsupported_grant_type(make_tpp):
    tpp = make_tpp()
    for grant in ("password", "implicit", None):
        _error(tpp.post_form("/token", {"grant_type": grant, **tpp.auth_form()}),
               "unsupported_grant_type")


def test_access_token_lifetime_config(app, make_tpp):
    from joserfc import jwt

    from auth.jose import peek

    token = make_tpp().token("accounts")
    header, claims = peek(token)
    assert header["typ"] == "at+jwt" and claims["exp"] - claims["iat"] <= 600
    key = app.extensions["auth"].keys.verification_key(header["kid"])
    assert jwt.decode(token, key, algorithms=[header["alg"]]).claims["aud"] == "http://localhost"


def test_introspection(make_tpp, alice):
    tpp, other = make_tpp(), make_tpp(name="Other")
    tokens = tpp.authorize("alice", PSU_PASSWORD, "accounts")
    data = tpp.introspect(tokens["access_token"])
    assert data["active"] and data["client_id"] == tpp.client_id and data["token_type"] == "DPoP"
    assert data["cnf"] == {"jkt": tpp.dpop_key.thumbprint()} and data["sub"] == alice.id
    assert tpp.introspect(tokens["refresh_token"])["active"] is True
    assert other.introspect(tokens["access_token"]) == {"active": False}
    assert tpp.introspect("garbage") == {"active": False}
    resp = tpp.client.post("/introspect", data={"token": tokens["access_token"]})
    _error(resp, "invalid_client", 401)


def test_revocation_of_unknown_token_is_200(make_tpp):
    tpp = make_tpp()
    assert tpp.revoke("never-issued").status_code == 200
    _error(tpp.client.post("/revoke", data={"token": "x"}), "invalid_client", 401)


def test_other_client_cannot_revoke(make_tpp, protected):
    tpp, other = make_tpp(), make_tpp(name="Other")
    token = tpp.token("accounts")
    assert other.revoke(token).status_code == 200
    assert tpp.request("GET", protected, token=token).status_code == 200


def test_revoke_consent_tokens(app, make_tpp, alice, protected):
    from auth.service import revoke_consent_tokens

    tpp = make_tpp()
    app.extensions["auth.authorization_handlers"] = []
    tokens = tpp.authorize("alice", PSU_PASSWORD, "accounts", {
        "authorization_details": '[{"type": "account_access_consent", "consent_id": "c-9"}]'})
    with app.extensions["session_factory"]() as session, session.begin():
        assert revoke_consent_tokens(session, "c-9", None) == 2
    assert tpp.request("GET", protected, token=tokens["access_token"]).status_code == 401
