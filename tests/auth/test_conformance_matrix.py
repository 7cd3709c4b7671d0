"""FAPI 2.0 conformance matrix: one row per requirement, each citing where it is written.

Rows are (id, specification section, requirement, check). Each check drives the server over
HTTP with real client assertions, DPoP proofs or certificates, the way a conformance suite
would, and asserts the exact answer. `settings` on a row runs it on an app configured that way.
The module runs on both storage settings like every test (SQLite and in-process Redis by
default; PostgreSQL and Redis with DATABASE_URL/REDIS_URL). docs/security.md lists the rows.

Sections: "FAPI2-SP" is the FAPI 2.0 Security Profile (Final), "FAPI2-MS" FAPI 2.0 Message
Signing; RFCs by number.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

import pytest

from auth import registry
from tests.fixtures.auth import ASSERTION_TYPE, ISSUER, new_key, self_signed_cert
from tests.fixtures.message_signing import approve, push_signed, request_object, server_verify


@dataclass
class Ctx:
    app: object
    client: object
    make_tpp: object
    protected: str

    def tpp(self, **kw):
        return self.make_tpp(**kw)

    def code_flow(self, tpp, extra=None):
        """(callback query, verifier) after alice approves a pushed request."""
        resp, verifier, _ = tpp.par("accounts", extra)
        assert resp.status_code == 201, resp.get_json()
        location = approve(tpp, resp.get_json()["request_uri"]).location
        return parse_qs(urlsplit(location).query), verifier

    def tokens(self, tpp):
        query, verifier = self.code_flow(tpp)
        resp = tpp.exchange_code(query["code"][0], verifier)
        assert resp.status_code == 200, resp.get_json()
        return resp.get_json()

    def metadata(self):
        return self.client.get("/.well-known/oauth-authorization-server").get_json()


def oauth_error(resp, error, status=400):
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:300])
    assert resp.get_json()["error"] == error, resp.get_json()


def refused_at_resource(resp, error="invalid_token"):
    assert resp.status_code == 401, resp.get_json()
    assert f'error="{error}"' in resp.headers["WWW-Authenticate"]


# -- discovery ----------------------------------------------------------------------------------

def discovery_both_paths(c: Ctx):
    meta = c.metadata()
    assert meta["issuer"] == ISSUER
    assert c.client.get("/.well-known/openid-configuration").get_json() == meta


def discovery_par_required(c: Ctx):
    meta = c.metadata()
    assert meta["require_pushed_authorization_requests"] is True
    assert meta["pushed_authorization_request_endpoint"] == ISSUER + "/par"


def discovery_only_strong_algs(c: Ctx):
    meta = c.metadata()
    for name, value in meta.items():
        if name.endswith("alg_values_supported"):
            assert set(value) <= {"PS256", "ES256"}, name
    for key in c.client.get("/jwks").get_json()["keys"]:
        assert key["alg"] in ("PS256", "ES256") and "d" not in key and key["kid"]


def discovery_auth_methods(c: Ctx):
    meta = c.metadata()
    assert set(meta["token_endpoint_auth_methods_supported"]) <= {
        "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"}
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["response_types_supported"] == ["code"]
    assert meta["authorization_response_iss_parameter_supported"] is True


# -- PAR and the authorisation endpoint --------------------------------------------------------

def authorize_needs_par(c: Ctx):
    tpp = c.tpp()
    resp = c.client.get(f"/authorize?client_id={tpp.client_id}&response_type=code"
                        f"&redirect_uri={tpp.redirect_uri}&scope=accounts")
    assert resp.status_code == 400 and "request_uri" in resp.get_data(as_text=True)


def par_needs_client_auth(c: Ctx):
    tpp = c.tpp()
    resp = tpp.post_form("/par", {"response_type": "code", "client_id": tpp.client_id,
                                  "scope": "accounts", "redirect_uri": tpp.redirect_uri})
    oauth_error(resp, "invalid_client", 401)


def par_expires_below_600(c: Ctx):
    resp, _, _ = c.tpp().par("accounts")
    assert resp.status_code == 201 and 0 < resp.get_json()["expires_in"] < 600


def par_redirect_uri_registered(c: Ctx):
    resp, _, _ = c.tpp().par("accounts", {"redirect_uri": "https://evil.example/cb"})
    oauth_error(resp, "invalid_request")


def par_request_uri_single_use(c: Ctx):
    tpp = c.tpp()
    resp, _, _ = tpp.par("accounts")
    uri = resp.get_json()["request_uri"]
    approve(tpp, uri)
    again = c.client.get(f"/authorize?client_id={tpp.client_id}&request_uri={uri}")
    assert again.status_code == 400


def par_request_uri_bound_to_client(c: Ctx):
    tpp, other = c.tpp(), c.tpp(name="Other")
    uri = tpp.par("accounts")[0].get_json()["request_uri"]
    assert c.client.get(f"/authorize?client_id={other.client_id}&request_uri={uri}"
                        ).status_code == 400


def response_is_303_with_iss(c: Ctx):
    tpp = c.tpp()
    resp, _, state = tpp.par("accounts")
    redirect = approve(tpp, resp.get_json()["request_uri"])
    query = parse_qs(urlsplit(redirect.location).query)
    assert redirect.status_code == 303
    assert query["iss"] == [ISSUER] and query["state"] == [state] and query["code"]


# -- PKCE --------------------------------------------------------------------------------------

def pkce_required(c: Ctx):
    resp, _, _ = c.tpp().par("accounts", {"code_challenge": None,
                                          "code_challenge_method": None})
    oauth_error(resp, "invalid_request")


def pkce_s256_only(c: Ctx):
    resp, _, _ = c.tpp().par("accounts", {"code_challenge_method": "plain"})
    oauth_error(resp, "invalid_request")


def pkce_verifier_checked(c: Ctx):
    tpp = c.tpp()
    query, _ = c.code_flow(tpp)
    oauth_error(tpp.exchange_code(query["code"][0], secrets.token_urlsafe(48)), "invalid_grant")


# -- codes -------------------------------------------------------------------------------------

def code_lifetime_60s(c: Ctx):
    server = c.app.extensions["auth"]
    assert server.code_lifetime <= 60
    # Codes expire by their Redis TTL, which a real Redis counts itself: shorten it and wait.
    server.code_lifetime = 1
    tpp = c.tpp()
    query, verifier = c.code_flow(tpp)
    time.sleep(2.1)
    oauth_error(tpp.exchange_code(query["code"][0], verifier), "invalid_grant")


def code_replay_revokes(c: Ctx):
    tpp = c.tpp()
    query, verifier = c.code_flow(tpp)
    first = tpp.exchange_code(query["code"][0], verifier).get_json()
    oauth_error(tpp.exchange_code(query["code"][0], verifier), "invalid_grant")
    refused_at_resource(tpp.request("GET", c.protected, token=first["access_token"]))


# -- client authentication ---------------------------------------------------------------------

def client_auth_issuer_audience(c: Ctx):
    tpp = c.tpp()
    assert tpp.token_response("accounts", **{})["token_type"] == "DPoP"


def client_auth_no_secrets(c: Ctx):
    tpp = c.tpp()
    oauth_error(tpp.post_form("/token", {"grant_type": "client_credentials",
                                         "client_id": tpp.client_id,
                                         "client_secret": "s3cret"}), "invalid_client", 401)


def client_auth_weak_alg(c: Ctx):
    tpp = c.tpp()
    rsa = new_key("PS256")
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": tpp.assertion(alg="RS256", key=rsa)}
    oauth_error(tpp.post_form("/token", form), "invalid_client", 401)


def client_auth_jti_single_use(c: Ctx):
    tpp = c.tpp()
    form = {"grant_type": "client_credentials", **tpp.auth_form()}
    assert tpp.post_form("/token", form).status_code == 200
    oauth_error(tpp.post_form("/token", form), "invalid_client", 401)


def client_auth_short_lived(c: Ctx):
    tpp = c.tpp()
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": tpp.assertion(exp=int(time.time()) + 3600 + 60)}
    oauth_error(tpp.post_form("/token", form), "invalid_client", 401)


def client_auth_future_iat(c: Ctx):
    tpp = c.tpp()
    form = {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": tpp.assertion(iat=int(time.time()) + 61)}
    oauth_error(tpp.post_form("/token", form), "invalid_client", 401)


def client_auth_mtls(c: Ctx):
    tpp = c.tpp(binding="mtls", auth_method="tls_client_auth")
    assert tpp.token_response("accounts")["token_type"] == "Bearer"
    tpp.cert = self_signed_cert("Impostor")
    oauth_error(tpp.post_form("/token", {"grant_type": "client_credentials",
                                         "client_id": tpp.client_id}), "invalid_client", 401)


# -- sender-constrained tokens -----------------------------------------------------------------

def binding_required(c: Ctx):
    tpp = c.tpp()
    oauth_error(tpp.post_form("/token", {"grant_type": "client_credentials",
                                         **tpp.auth_form()}, bind=False), "invalid_request")


def dpop_token_not_bearer(c: Ctx):
    tpp = c.tpp()
    token = tpp.token("accounts")
    refused_at_resource(c.client.get(c.protected, headers={
        "Authorization": f"Bearer {token}", "DPoP": tpp.dpop_proof("GET", c.protected, token)}))


def dpop_proof_other_key(c: Ctx):
    tpp = c.tpp()
    token = tpp.token("accounts")
    refused_at_resource(c.client.get(c.protected, headers={
        "Authorization": f"DPoP {token}",
        "DPoP": tpp.dpop_proof("GET", c.protected, token, key=new_key())}))


def dpop_proof_replay(c: Ctx):
    tpp = c.tpp()
    token = tpp.token("accounts")
    headers = {"Authorization": f"DPoP {token}",
               "DPoP": tpp.dpop_proof("GET", c.protected, token)}
    assert c.client.get(c.protected, headers=headers).status_code == 200
    refused_at_resource(c.client.get(c.protected, headers=headers), "invalid_dpop_proof")


def dpop_proof_ath(c: Ctx):
    tpp = c.tpp()
    token = tpp.token("accounts")
    refused_at_resource(c.client.get(c.protected, headers={
        "Authorization": f"DPoP {token}",
        "DPoP": tpp.dpop_proof("GET", c.protected, token, ath="x" * 43)}), "invalid_dpop_proof")


def dpop_jkt_binds_code(c: Ctx):
    tpp = c.tpp()
    query, verifier = c.code_flow(tpp, {"dpop_jkt": tpp.dpop_key.thumbprint()})
    tpp.dpop_key = new_key()
    oauth_error(tpp.exchange_code(query["code"][0], verifier), "invalid_grant")


def mtls_token_other_certificate(c: Ctx):
    tpp = c.tpp(binding="mtls", auth_method="tls_client_auth")
    token = tpp.token("accounts")
    tpp.cert = self_signed_cert("Thief")
    refused_at_resource(tpp.request("GET", c.protected, token=token))


def access_token_short_lived(c: Ctx):
    body = c.tpp().token_response("accounts")
    assert body["expires_in"] <= 600 and body["token_type"] == "DPoP"


def token_only_in_header(c: Ctx):
    tpp = c.tpp()
    resp = c.client.get(f"{c.protected}?access_token={tpp.token('accounts')}")
    assert resp.status_code == 401  # as if no token were sent (RFC 6750 §3.1: no error code)
    assert resp.headers["WWW-Authenticate"].startswith("Bearer realm=")


# -- refresh, introspection, revocation, registration ------------------------------------------

def refresh_not_rotated_same_key(c: Ctx):
    tpp = c.tpp()
    tokens = c.tokens(tpp)
    refreshed = tpp.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 200 and "refresh_token" not in refreshed.get_json()
    tpp.dpop_key = new_key()
    oauth_error(tpp.refresh(tokens["refresh_token"]), "invalid_grant")


def refresh_other_client(c: Ctx):
    tokens = c.tokens(c.tpp())
    oauth_error(c.tpp(name="Other").refresh(tokens["refresh_token"]), "invalid_grant")


def introspection_needs_auth(c: Ctx):
    oauth_error(c.client.post("/introspect", data={"token": "x"}), "invalid_client", 401)


def introspection_own_tokens_only(c: Ctx):
    tpp, other = c.tpp(), c.tpp(name="Other")
    token = tpp.token("accounts")
    assert tpp.introspect(token)["active"] is True
    assert other.introspect(token) == {"active": False}


def revocation_of_refresh_revokes_grant(c: Ctx):
    tpp = c.tpp()
    tokens = c.tokens(tpp)
    assert tpp.revoke(tokens["refresh_token"]).status_code == 200
    refused_at_resource(tpp.request("GET", c.protected, token=tokens["access_token"]))
    assert tpp.introspect(tokens["access_token"]) == {"active": False}


def revocation_unknown_is_200(c: Ctx):
    assert c.tpp().revoke("never-issued").status_code == 200


def registration_needs_initial_token(c: Ctx):
    resp = c.client.post("/register", json={"client_name": "X"})
    oauth_error(resp, "invalid_token", 401)


def registration_https_and_no_secrets(c: Ctx):
    def register(body):
        with c.app.extensions["session_factory"]() as session, session.begin():
            token = registry.issue_registration_token(session, ["AISP"])
        return c.client.post("/register", json=body,
                             headers={"Authorization": f"Bearer {token}"})

    key = new_key().as_dict(private=False)
    base = {"client_name": "X", "jwks": {"keys": [key]}}
    oauth_error(register({**base, "redirect_uris": ["http://x.example/cb"]}),
                "invalid_redirect_uri")
    oauth_error(register({**base, "redirect_uris": ["https://x.example/cb"],
                          "token_endpoint_auth_method": "client_secret_basic"}),
                "invalid_client_metadata")


# -- message signing ---------------------------------------------------------------------------

def jar_parameters_from_object_only(c: Ctx):
    tpp = c.tpp()
    verifier = secrets.token_urlsafe(48)
    resp = push_signed(tpp, request_object(tpp, verifier=verifier), state="from-form")
    assert resp.status_code == 201, resp.get_json()
    query = parse_qs(urlsplit(approve(tpp, resp.get_json()["request_uri"]).location).query)
    assert query["state"] == ["state-in-object"]
    assert tpp.exchange_code(query["code"][0], verifier).status_code == 200


def jar_audience_is_issuer(c: Ctx):
    tpp = c.tpp()
    oauth_error(push_signed(tpp, request_object(tpp, aud=ISSUER + "/par")),
                "invalid_request_object")


def jar_lifetime_60_minutes(c: Ctx):
    tpp = c.tpp()
    now = int(time.time())
    oauth_error(push_signed(tpp, request_object(tpp, nbf=now, exp=now + 3601)),
                "invalid_request_object")
    oauth_error(push_signed(tpp, request_object(tpp, nbf=now + 60, exp=now + 600)),
                "invalid_request_object")


def jar_signed_by_client_strong_alg(c: Ctx):
    tpp = c.tpp()
    oauth_error(push_signed(tpp, request_object(tpp, key=new_key())), "invalid_request_object")
    oauth_error(push_signed(tpp, request_object(tpp, key=new_key("PS256"), alg="RS256")),
                "invalid_request_object")


def jar_required_per_client(c: Ctx):
    tpp = c.tpp()
    with c.app.extensions["session_factory"]() as session, session.begin():
        registry.set_require_signed_request_object(session, tpp.client_id, True)
    oauth_error(tpp.par("accounts")[0], "invalid_request")
    assert push_signed(tpp, request_object(tpp)).status_code == 201


def jarm_signed_response(c: Ctx):
    tpp = c.tpp()
    query, verifier = c.code_flow(tpp, {"response_mode": "jwt"})
    _, claims = server_verify(c.client, query["response"][0], "JWT")
    assert claims["iss"] == ISSUER and claims["aud"] == tpp.client_id and claims["exp"]
    assert tpp.exchange_code(claims["code"], verifier).status_code == 200


def signed_introspection(c: Ctx):
    tpp = c.tpp()
    resp = tpp.post_form("/introspect", {"token": tpp.token("accounts"), **tpp.auth_form()},
                         {"Accept": "application/token-introspection+jwt"}, bind=False)
    _, claims = server_verify(c.client, resp.get_data(as_text=True), "token-introspection+jwt")
    assert claims["aud"] == tpp.client_id and claims["token_introspection"]["active"] is True


def message_signing_metadata(c: Ctx):
    meta = c.metadata()
    assert meta["request_object_signing_alg_values_supported"] == ["PS256", "ES256"]
    assert {"jwt", "query.jwt"} <= set(meta["response_modes_supported"])
    assert meta["authorization_signing_alg_values_supported"]
    assert meta["introspection_signing_alg_values_supported"]


# -- DPoP nonces -------------------------------------------------------------------------------

def nonce_at_token_endpoint(c: Ctx):
    tpp = c.tpp()
    tpp.dpop_nonce = None
    resp = c.client.post("/token", data={"grant_type": "client_credentials",
                                         **tpp.auth_form()},
                         headers=tpp.binding_headers("POST", "/token"))
    oauth_error(resp, "use_dpop_nonce")
    assert resp.headers["DPoP-Nonce"]
    assert tpp.learn_nonce(resp) and tpp.token("accounts")


def nonce_at_resources(c: Ctx):
    tpp = c.tpp()
    token = tpp.token("accounts")
    tpp.dpop_nonce = "stale"
    resp = c.client.get(c.protected, headers={
        "Authorization": f"DPoP {token}", "DPoP": tpp.dpop_proof("GET", c.protected, token)})
    refused_at_resource(resp, "use_dpop_nonce")
    assert resp.headers["DPoP-Nonce"]
    assert tpp.request("GET", c.protected, token=token).status_code == 200


@dataclass(frozen=True)
class Row:
    id: str
    section: str
    requirement: str
    check: object
    settings: dict = field(default_factory=dict)


MATRIX = [
    Row("D1", "RFC 8414 §3; FAPI2-SP §5.3.2.1", "metadata at both well-known paths",
        discovery_both_paths),
    Row("D2", "RFC 9126 §5; FAPI2-SP §5.3.2.2", "PAR advertised as required",
        discovery_par_required),
    Row("D3", "FAPI2-SP §5.4.1", "only PS256/ES256 advertised and in the JWKS",
        discovery_only_strong_algs),
    Row("D4", "FAPI2-SP §5.3.2.1, §5.3.2.2; RFC 9207 §3", "auth methods, S256, code, iss",
        discovery_auth_methods),
    Row("P1", "FAPI2-SP §5.3.2.2; RFC 9126 §4", "/authorize refuses requests not pushed",
        authorize_needs_par),
    Row("P2", "RFC 9126 §2; FAPI2-SP §5.3.2.2", "PAR needs client authentication",
        par_needs_client_auth),
    Row("P3", "FAPI2-SP §5.3.2.2; RFC 9126 §2.2", "request_uri expires_in < 600",
        par_expires_below_600),
    Row("P4", "RFC 9126 §2.1; RFC 6749 §3.1.2", "redirect_uri must be registered",
        par_redirect_uri_registered),
    Row("P5", "RFC 9126 §4", "request_uri is used once", par_request_uri_single_use),
    Row("P6", "RFC 9126 §4", "request_uri bound to the client that pushed it",
        par_request_uri_bound_to_client),
    Row("P7", "FAPI2-SP §5.3.2.2; RFC 9207 §2", "303 redirect carrying iss and state",
        response_is_303_with_iss),
    Row("K1", "FAPI2-SP §5.3.2.2; RFC 7636 §4.3", "PKCE required", pkce_required),
    Row("K2", "FAPI2-SP §5.3.2.2; RFC 7636 §4.2", "PKCE method S256 only", pkce_s256_only),
    Row("K3", "RFC 7636 §4.6", "code_verifier checked", pkce_verifier_checked),
    Row("C1", "FAPI2-SP §5.3.2.1", "authorization code lives at most 60 s",
        code_lifetime_60s),
    Row("C2", "RFC 6749 §4.1.2; RFC 9700 §4.5", "code replay refused, its tokens revoked",
        code_replay_revokes),
    Row("A1", "FAPI2-SP §5.3.2.1; RFC 7523 §3", "private_key_jwt with aud = issuer",
        client_auth_issuer_audience),
    Row("A2", "FAPI2-SP §5.3.2.1", "no client secrets", client_auth_no_secrets),
    Row("A3", "FAPI2-SP §5.4.1", "RS256 client assertion refused", client_auth_weak_alg),
    Row("A4", "RFC 7523 §3 (7)", "assertion jti single use", client_auth_jti_single_use),
    Row("A5", "FAPI2-SP §5.3.2.1; RFC 7523 §3 (4)", "assertion exp at most an hour ahead",
        client_auth_short_lived),
    Row("A6", "FAPI2-SP §5.3.2.1", "iat more than 10 s ahead refused", client_auth_future_iat),
    Row("A7", "RFC 8705 §2.1", "tls_client_auth: the registered certificate only",
        client_auth_mtls),
    Row("B1", "FAPI2-SP §5.3.2.1", "access tokens are sender-constrained", binding_required),
    Row("B2", "RFC 9449 §7.1", "a DPoP-bound token is refused as Bearer",
        dpop_token_not_bearer),
    Row("B3", "RFC 9449 §7.1", "DPoP proof by another key refused", dpop_proof_other_key),
    Row("B4", "RFC 9449 §11.1", "DPoP proof replay refused", dpop_proof_replay),
    Row("B5", "RFC 9449 §4.3, §7.1", "DPoP ath must hash the token", dpop_proof_ath),
    Row("B6", "RFC 9449 §10; FAPI2-SP §5.3.2.2", "dpop_jkt at PAR binds the code",
        dpop_jkt_binds_code),
    Row("B7", "RFC 8705 §3", "certificate-bound token needs the same certificate",
        mtls_token_other_certificate),
    Row("B8", "FAPI2-SP §5.3.2.1", "access tokens live at most 10 minutes",
        access_token_short_lived),
    Row("B9", "FAPI2-SP §5.3.4; RFC 6750 §2", "token never accepted in the query",
        token_only_in_header),
    Row("R1", "FAPI2-SP §5.3.2.1; RFC 9449 §5", "refresh not rotated, bound to the same key",
        refresh_not_rotated_same_key),
    Row("R2", "RFC 6749 §6", "refresh token of another client refused", refresh_other_client),
    Row("I1", "RFC 7662 §2.1", "introspection needs client authentication",
        introspection_needs_auth),
    Row("I2", "RFC 7662 §2.2", "a client introspects only its own tokens",
        introspection_own_tokens_only),
    Row("V1", "RFC 7009 §2.1", "revoking a refresh token revokes its access tokens",
        revocation_of_refresh_revokes_grant),
    Row("V2", "RFC 7009 §2.2", "unknown token: 200", revocation_unknown_is_200),
    Row("G1", "RFC 7591 §3", "registration needs an initial access token",
        registration_needs_initial_token),
    Row("G2", "RFC 7591 §3.2.2; FAPI2-SP §5.3.2.1", "https redirect URIs, no client secrets",
        registration_https_and_no_secrets),
    Row("M1", "FAPI2-MS §5.3; RFC 9101 §6.3", "request object: its parameters only",
        jar_parameters_from_object_only),
    Row("M2", "FAPI2-MS §5.3", "request object aud = issuer", jar_audience_is_issuer),
    Row("M3", "FAPI2-MS §5.3", "request object exp - nbf <= 60 min, nbf not ahead",
        jar_lifetime_60_minutes),
    Row("M4", "FAPI2-MS §5.3; RFC 9101 §6.2; FAPI2-SP §5.4.1",
        "request object signed by the client, PS256/ES256", jar_signed_by_client_strong_alg),
    Row("M5", "RFC 9101 §10.5; FAPI2-MS §5.3", "require_signed_request_object enforced",
        jar_required_per_client),
    Row("M6", "FAPI2-MS §5.4; JARM §4", "response_mode=jwt: signed authorisation response",
        jarm_signed_response),
    Row("M7", "FAPI2-MS §5.5; RFC 9701 §5", "signed introspection response",
        signed_introspection),
    Row("M8", "RFC 9101 §10.1; JARM §6; RFC 9701 §7", "message signing advertised",
        message_signing_metadata),
    Row("N1", "RFC 9449 §8", "use_dpop_nonce at the token endpoint", nonce_at_token_endpoint),
    Row("N2", "RFC 9449 §9", "use_dpop_nonce at resource endpoints (DPOP_NONCE=all)",
        nonce_at_resources, {"DPOP_NONCE": "all"}),
]


@pytest.fixture
def app_settings(row):
    return row.settings


@pytest.fixture
def alice(make_psu):
    return make_psu("alice")


@pytest.mark.parametrize("row", MATRIX, ids=[r.id for r in MATRIX])
def test_requirement(row, app, client, make_tpp, protected, alice):
    row.check(Ctx(app=app, client=client, make_tpp=make_tpp, protected=protected))


def test_rows_are_unique_and_cited():
    assert len({row.id for row in MATRIX}) == len(MATRIX)
    assert all(row.section and row.requirement for row in MATRIX)


