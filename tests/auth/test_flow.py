"""The whole flow as a TPP runs it: discovery, PAR with private_key_jwt and DPoP, PSU sign-in
and approval, code exchange with PKCE and DPoP, a protected call, refresh, revocation."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwk, jwt

from auth.jose import peek
from tests.fixtures.auth import ISSUER, PSU_PASSWORD


def test_happy_path(client, make_tpp, make_psu, protected):
    alice = make_psu("alice")
    tpp = make_tpp(roles=("AISP",), name="Budgeting App")

    meta = client.get("/.well-known/oauth-authorization-server").get_json()
    assert meta["issuer"] == ISSUER
    assert meta["require_pushed_authorization_requests"] is True
    assert client.get("/.well-known/openid-configuration").get_json() == meta
    jwks = client.get(urlsplit(meta["jwks_uri"]).path).get_json()

    verifier = secrets.token_urlsafe(48)
    par = tpp.post_form(urlsplit(meta["pushed_authorization_request_endpoint"]).path, {
        "response_type": "code", "client_id": tpp.client_id, "scope": "accounts",
        "redirect_uri": tpp.redirect_uri, "state": "xyz", "nonce": "n-0S6",
        "code_challenge": create_s256_code_challenge(verifier), "code_challenge_method": "S256",
        **tpp.auth_form()})
    assert par.status_code == 201, par.get_json()
    body = par.get_json()
    assert body["request_uri"].startswith("urn:ietf:params:oauth:request_uri:")
    assert body["expires_in"] < 600

    page = client.get(f"/authorize?client_id={tpp.client_id}&request_uri={body['request_uri']}")
    assert page.status_code == 200 and "Budgeting App" in page.get_data(as_text=True)
    signed_in = client.post("/authorize", data={"action": "sign_in", "username": "alice",
                                                "password": PSU_PASSWORD,
                                                "request_uri": body["request_uri"]})
    html = signed_in.get_data(as_text=True)
    interaction = html.split('name="interaction" value="')[1].split('"')[0]
    redirect = client.post("/authorize", data={"action": "approve", "interaction": interaction,
                                               "request_uri": body["request_uri"]})
    assert redirect.status_code == 303
    query = parse_qs(urlsplit(redirect.location).query)
    assert redirect.location.startswith(tpp.redirect_uri)
    assert query["iss"] == [ISSUER] and query["state"] == ["xyz"]

    tokens = tpp.exchange_code(query["code"][0], verifier)
    assert tokens.status_code == 200, tokens.get_json()
    assert tokens.headers["Cache-Control"] == "no-store"
    tokens = tokens.get_json()
    assert tokens["token_type"] == "DPoP" and tokens["expires_in"] <= 600

    kid = peek(tokens["access_token"])[0]["kid"]
    public = jwk.import_key(next(k for k in jwks["keys"] if k["kid"] == kid))
    claims = jwt.decode(tokens["access_token"], public, algorithms=["ES256", "PS256"]).claims
    assert claims["cnf"] == {"jkt": tpp.dpop_key.thumbprint()}
    assert claims["sub"] == alice.id and claims["client_id"] == tpp.client_id

    call = tpp.request("GET", protected, token=tokens["access_token"])
    assert call.status_code == 200, call.get_json()
    assert call.get_json()["psu_id"] == alice.id

    refreshed = tpp.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200, refreshed.get_json()
    new_access = refreshed.get_json()["access_token"]
    assert tpp.request("GET", protected, token=new_access).status_code == 200

    assert tpp.revoke(tokens["refresh_token"]).status_code == 200
    after = tpp.request("GET", protected, token=new_access)
    assert after.status_code == 401
    assert 'error="invalid_token"' in after.headers["WWW-Authenticate"]
    assert tpp.refresh(tokens["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_mtls_bound_code_flow(make_tpp, make_psu, protected):
    make_psu("bob")
    tpp = make_tpp(binding="mtls", auth_method="tls_client_auth")
    tokens = tpp.authorize("bob", PSU_PASSWORD, "accounts")
    assert tokens["token_type"] == "Bearer"
    assert tpp.request("GET", protected, token=tokens["access_token"]).status_code == 200
    assert tpp.introspect(tokens["access_token"])["cnf"]["x5t#S256"]


def test_psu_rejects(make_tpp, make_psu):
    make_psu("carol")
    tpp = make_tpp()
    resp, _, state = tpp.par("accounts")
    uri = resp.get_json()["request_uri"]
    page = tpp.client.post("/authorize", data={"action": "sign_in", "username": "carol",
                                               "password": PSU_PASSWORD, "request_uri": uri})
    interaction = page.get_data(as_text=True).split('name="interaction" value="')[1].split('"')[0]
    resp = tpp.client.post("/authorize", data={"action": "reject", "request_uri": uri,
                                               "interaction": interaction})
    assert resp.status_code == 303
    query = parse_qs(urlsplit(resp.location).query)
    assert query["error"] == ["access_denied"] and query["state"] == [state]
    assert query["iss"] == [ISSUER]


def test_metadata_advertises_only_what_is_served(client, app):
    meta = client.get("/.well-known/oauth-authorization-server").get_json()
    assert not [name for name in meta if name.startswith(("id_token", "userinfo"))]
    for name in ("subject_types_supported", "claims_supported", "userinfo_endpoint",
                 "end_session_endpoint"):
        assert name not in meta
    assert "openid" not in meta["scopes_supported"]
    for name, value in meta.items():
        if name.endswith("_endpoint") or name == "jwks_uri":
            path = value.removeprefix(meta["issuer"])
            assert app.url_map.bind("localhost").test(path, method="POST") or \
                app.url_map.bind("localhost").test(path, method="GET"), name


def test_openid_scope_is_refused(make_tpp):
    resp, _, _ = make_tpp().par("openid accounts")
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_scope"
