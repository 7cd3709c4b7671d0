"""require_token: each way a resource request can be wrong gets the exact status and code."""

from __future__ import annotations

import time

import pytest
import time_machine
from flask.views import MethodView
from flask_smorest import Blueprint

from auth.resource import require_token
from tests.fixtures.auth import PSU_PASSWORD, new_key, self_signed_cert

PROBLEM = "application/problem+json"


def assert_problem(resp, status, slug, error=None, scheme=None):
    assert resp.status_code == status, resp.get_json()
    assert resp.mimetype == PROBLEM
    assert resp.get_json()["type"] == f"/problems/{slug}"
    if error:
        assert resp.get_json()["error"] == error
        challenge = resp.headers["WWW-Authenticate"]
        assert f'error="{error}"' in challenge
        if scheme:
            assert challenge.startswith(scheme + " ")


def test_valid_dpop_and_mtls_tokens(make_tpp, protected):
    for binding in ("dpop", "mtls"):
        tpp = make_tpp(binding=binding, name=f"{binding} TPP")
        resp = tpp.request("GET", protected, scope="accounts")
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        assert body["client_id"] == tpp.client_id and body["client_name"] == f"{binding} TPP"
        assert body["scope"] == ["accounts"] and body["psu_id"] is None


def test_ps256_client_and_dpop_key(make_tpp, protected):
    tpp = make_tpp(alg="PS256")
    tpp.dpop_key = new_key("PS256")
    assert tpp.request("GET", protected, scope="accounts").status_code == 200


def test_missing_token(client, protected):
    resp = client.get(protected)
    assert_problem(resp, 401, "invalid-token")
    assert resp.headers["WWW-Authenticate"].startswith("Bearer realm=")
    assert "DPoP" in resp.headers["WWW-Authenticate"]


@pytest.mark.parametrize("header", ["DPoP", "DPoP not-a-jwt", "Bearer a.b.c", "Basic Zm9vOmJhcg=="])
def test_malformed_token(client, protected, header):
    resp = client.get(protected, headers={"Authorization": header})
    assert resp.status_code == 401
    assert resp.get_json()["type"] == "/problems/invalid-token"
    assert "WWW-Authenticate" in resp.headers


def test_token_in_query_is_ignored(make_tpp, protected):
    tpp = make_tpp()
    token = tpp.token("accounts")
    resp = tpp.client.get(f"{protected}?access_token={token}")
    assert_problem(resp, 401, "invalid-token")


def test_expired_token(make_tpp, protected):
    tpp = make_tpp()
    token = tpp.token("accounts")
    with time_machine.travel(time.time() + 301, tick=False):
        resp = tpp.request("GET", protected, token=token)
    assert_problem(resp, 401, "invalid-token", "invalid_token", "DPoP")
    assert "expired" in resp.get_json()["detail"]


def test_token_of_another_client(make_tpp, protected):
    victim, thief = make_tpp(name="Victim"), make_tpp(name="Thief")
    stolen = victim.token("accounts")
    resp = thief.request("GET", protected, token=stolen)
    assert_problem(resp, 401, "invalid-token", "invalid_token", "DPoP")


def test_wrong_scope(make_tpp, protected):
    tpp = make_tpp()
    resp = tpp.request("GET", protected, scope="status")
    assert_problem(resp, 403, "insufficient-scope", "insufficient_scope", "DPoP")
    assert 'scope="accounts"' in resp.headers["WWW-Authenticate"]


def test_wrong_role(make_tpp, app, protected):
    tpp = make_tpp(roles=("AISP",))
    resp = tpp.request("GET", "/_test/status", scope="status")
    assert_problem(resp, 403, "forbidden")


def test_role_granted(make_tpp, protected):
    tpp = make_tpp(roles=("COP",))
    assert tpp.request("GET", "/_test/cop", scope="payee-checks").status_code == 200


def test_psu_token_required(make_tpp, make_psu, protected):
    tpp = make_tpp()
    assert_problem(tpp.request("GET", "/_test/psu-only", scope="accounts"), 403, "forbidden")
    make_psu("alice")
    tokens = tpp.authorize("alice", PSU_PASSWORD, "accounts")
    resp = tpp.request("GET", "/_test/psu-only", token=tokens["access_token"])
    assert resp.status_code == 200 and resp.get_json()["psu_id"]


def _dpop_call(tpp, path, token, **proof_kw):
    headers = {"Authorization": f"DPoP {token}"}
    if proof_kw.get("proof") is not False:
        proof_kw.pop("proof", None)
        method = proof_kw.pop("method", "GET")
        headers["DPoP"] = tpp.dpop_proof(method, proof_kw.pop("htu", path), token, **proof_kw)
    return tpp.client.get(path, headers=headers)


@pytest.mark.parametrize("case", [
    dict(proof=False),
    dict(method="POST"),
    dict(htu="http://localhost/_test/other"),
    dict(htu="https://localhost/_test/protected"),
    dict(iat_offset=-61),
    dict(iat_offset=+30),  # well past the 10 s allowed, however slow the machine
    dict(ath="wrong"),
    dict(header={"typ": "jwt"}),
])
def test_dpop_proof_refused(make_tpp, protected, case):
    tpp = make_tpp()
    token = tpp.token("accounts")
    case = dict(case)
    if "iat_offset" in case:
        case["iat"] = int(time.time()) + case.pop("iat_offset")
    resp = _dpop_call(tpp, protected, token, **case)
    assert_problem(resp, 401, "invalid-token", "invalid_dpop_proof", "DPoP")


@pytest.mark.parametrize("offset", [-59, +9])
def test_dpop_iat_window_accepted(make_tpp, protected, offset):
    tpp = make_tpp()
    token = tpp.token("accounts")
    resp = _dpop_call(tpp, protected, token, iat=int(time.time()) + offset)
    assert resp.status_code == 200, resp.get_json()


def test_dpop_htu_ignores_query(make_tpp, protected):
    tpp = make_tpp()
    token = tpp.token("accounts")
    proof = tpp.dpop_proof("GET", protected + "?a=1#x", token)
    resp = tpp.client.get(protected + "?a=1", headers={"Authorization": f"DPoP {token}",
                                                       "DPoP": proof})
    assert resp.status_code == 200


def test_dpop_proof_replayed(make_tpp, protected):
    tpp = make_tpp()
    token = tpp.token("accounts")
    headers = {"Authorization": f"DPoP {token}", "DPoP": tpp.dpop_proof("GET", protected, token)}
    assert tpp.client.get(protected, headers=headers).status_code == 200
    assert_problem(tpp.client.get(protected, headers=headers), 401, "invalid-token",
                   "invalid_dpop_proof")


def test_dpop_wrong_key(make_tpp, protected):
    tpp = make_tpp()
    token = tpp.token("accounts")
    resp = _dpop_call(tpp, protected, token, key=new_key())
    assert_problem(resp, 401, "invalid-token", "invalid_token", "DPoP")


def test_dpop_token_sent_as_bearer(make_tpp, protected):
    tpp = make_tpp()
    token = tpp.token("accounts")
    resp = tpp.client.get(protected, headers={"Authorization": f"Bearer {token}",
                                              "DPoP": tpp.dpop_proof("GET", protected, token)})
    assert_problem(resp, 401, "invalid-token", "invalid_token", "Bearer")


def test_scheme_is_case_insensitive(make_tpp, protected):
    tpp = make_tpp()
    token = tpp.token("accounts")
    resp = tpp.client.get(protected, headers={"Authorization": f"dpop {token}",
                                              "DPoP": tpp.dpop_proof("GET", protected, token)})
    assert resp.status_code == 200


def test_certificate_mismatch(make_tpp, app, protected):
    tpp = make_tpp(binding="mtls")
    token = tpp.token("accounts")
    from auth.mtls import encode_for_header

    header = app.config["CLIENT_CERT_HEADER"]
    other = encode_for_header(self_signed_cert("Someone else"))
    for headers in ({header: other}, {}, {header: "garbage"}):
        resp = tpp.client.get(protected, headers={"Authorization": f"Bearer {token}", **headers})
        assert_problem(resp, 401, "invalid-token", "invalid_token", "Bearer")


def test_revoked_token_stops_at_once(make_tpp, protected):
    tpp = make_tpp()
    token = tpp.token("accounts")
    assert tpp.request("GET", protected, token=token).status_code == 200
    assert tpp.revoke(token).status_code == 200
    assert_problem(tpp.request("GET", protected, token=token), 401, "invalid-token",
                   "invalid_token")


def test_forged_token_with_server_kid(app, make_tpp, protected):
    from auth.jose import peek
    from tests.fixtures.auth import sign

    tpp = make_tpp()
    token = tpp.token("accounts")
    header, claims = peek(token)
    forged = sign(new_key(), {"kid": header["kid"], "typ": "at+jwt"}, claims, "ES256")
    assert_problem(tpp.request("GET", protected, token=forged), 401, "invalid-token",
                   "invalid_token")
    claims["scope"] = "accounts status"
    none = "eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0." + token.split(".")[1] + "."
    assert tpp.request("GET", protected, token=none).status_code == 401


def test_sets_client_id_for_rate_limiter(app, make_tpp):
    from flask import Blueprint as FlaskBlueprint
    from flask import g

    bp = FlaskBlueprint("g_probe", __name__)

    @bp.get("/_test/g")
    @require_token("status")
    def probe():
        return {"client_id": g.client_id}

    app.register_blueprint(bp)
    tpp = make_tpp()
    assert tpp.request("GET", "/_test/g", scope="status").get_json()["client_id"] == tpp.client_id


def test_openapi_documents_security(app):
    blp = Blueprint("docprobe", __name__)

    @blp.route("/_test/doc")
    class Probe(MethodView):
        @blp.response(200)
        @require_token("accounts", roles=("AISP",))
        def get(self):
            """A probe."""
            return {}

    app.extensions["api"].register_blueprint(blp)
    spec = app.test_client().get("/openapi.json").get_json()
    operation = spec["paths"]["/_test/doc"]["get"]
    assert operation["security"] == [{"oauth2": ["accounts"]}]
    assert {"401", "403", "200"} <= set(operation["responses"])
    scheme = spec["components"]["securitySchemes"]["oauth2"]
    assert "accounts" in scheme["flows"]["clientCredentials"]["scopes"]
    assert "DPoP" in scheme["description"]
