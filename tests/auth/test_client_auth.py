"""private_key_jwt and tls_client_auth at the token endpoint: the conformance suite's
client-assertion negatives, each with its exact status and error code."""

from __future__ import annotations

import base64
import json
import time

import pytest
import time_machine

from tests.fixtures.auth import ASSERTION_TYPE, ISSUER, new_key, self_signed_cert, sign


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def token_with(tpp, assertion, **extra):
    return tpp.post_form("/token", {"grant_type": "client_credentials", "scope": "accounts",
                                    "client_assertion_type": ASSERTION_TYPE,
                                    "client_assertion": assertion, **extra})


def assert_oauth_error(resp, status, error):
    assert resp.status_code == status, resp.get_json()
    assert resp.mimetype == "application/json"
    assert resp.get_json()["error"] == error
    assert resp.headers["Cache-Control"] == "no-store"


def test_issuer_is_the_audience(make_tpp):
    tpp = make_tpp()
    assert token_with(tpp, tpp.assertion(aud=ISSUER)).status_code == 200


# FAPI 2.0 SP final §5.3.2.1: only the issuer, as a single string.
@pytest.mark.parametrize("aud", [
    ISSUER + "/token", ISSUER + "/", [ISSUER], [ISSUER, "https://other.example"],
    ["https://other.example", ISSUER], "HTTP://LOCALHOST", {"aud": ISSUER}, 1,
])
def test_only_the_issuer_string_is_accepted(make_tpp, aud):
    tpp = make_tpp()
    resp = token_with(tpp, tpp.assertion(aud=aud))
    assert_oauth_error(resp, 401, "invalid_client")
    assert "single string" in resp.get_json()["error_description"]


def test_par_refuses_the_par_url_as_audience(make_tpp):
    tpp = make_tpp()
    resp, _, _ = tpp.par("accounts", {"client_assertion": tpp.assertion(aud=ISSUER + "/par")})
    assert_oauth_error(resp, 401, "invalid_client")


def test_alg_none(make_tpp):
    tpp = make_tpp()
    claims = json.loads(base64.urlsafe_b64decode(tpp.assertion().split(".")[1] + "=="))
    unsigned = _b64({"alg": "none"}) + "." + _b64(claims) + "."
    assert_oauth_error(token_with(tpp, unsigned), 401, "invalid_client")


def test_hs256(make_tpp):
    from joserfc import jwk, jwt

    tpp = make_tpp()
    now = int(time.time())
    secret = jwk.OctKey.import_key(b"k" * 32)
    forged = jwt.encode({"alg": "HS256"}, {"iss": tpp.client_id, "sub": tpp.client_id,
                                           "aud": ISSUER, "exp": now + 60, "jti": "j" * 16},
                        secret, algorithms=["HS256"])
    assert_oauth_error(token_with(tpp, forged), 401, "invalid_client")


def test_rs256(make_tpp):
    tpp = make_tpp(alg="PS256")
    assert_oauth_error(token_with(tpp, tpp.assertion(alg="RS256")), 401, "invalid_client")
    assert token_with(tpp, tpp.assertion(alg="PS256")).status_code == 200


def test_reused_jti(make_tpp):
    tpp = make_tpp()
    assertion = tpp.assertion()
    assert token_with(tpp, assertion).status_code == 200
    assert_oauth_error(token_with(tpp, assertion), 401, "invalid_client")


@pytest.mark.parametrize("aud", ["https://elsewhere.example", ISSUER + "/par", None])
def test_wrong_aud(make_tpp, aud):
    tpp = make_tpp()
    assert_oauth_error(token_with(tpp, tpp.assertion(aud=aud)), 401, "invalid_client")


def test_expired(make_tpp):
    tpp = make_tpp()
    now = int(time.time())
    assert_oauth_error(token_with(tpp, tpp.assertion(iat=now - 400, exp=now - 300)), 401,
                       "invalid_client")


def test_exp_too_far_ahead(make_tpp):
    tpp = make_tpp()
    assert_oauth_error(token_with(tpp, tpp.assertion(exp=int(time.time()) + 3600 + 60)), 401,
                       "invalid_client")


@pytest.mark.parametrize("offset, ok", [(8, True), (61, False)])
def test_iat_nbf_in_future(make_tpp, offset, ok):
    tpp = make_tpp()
    now = int(time.time())
    resp = token_with(tpp, tpp.assertion(iat=now + offset, nbf=now + offset, exp=now + 120))
    assert (resp.status_code == 200) is ok, resp.get_json()


def test_no_sub_and_mismatched_iss(make_tpp):
    tpp = make_tpp()
    assert_oauth_error(token_with(tpp, tpp.assertion(sub=None)), 401, "invalid_client")
    assert_oauth_error(token_with(tpp, tpp.assertion(iss="someone")), 401, "invalid_client")


def test_signed_by_another_key(make_tpp):
    tpp = make_tpp()
    assert_oauth_error(token_with(tpp, tpp.assertion(key=new_key())), 401, "invalid_client")


def test_unknown_client(make_tpp):
    tpp = make_tpp()
    assert_oauth_error(token_with(tpp, tpp.assertion(sub="nobody", iss="nobody")), 401,
                       "invalid_client")


def test_client_id_mismatch(make_tpp):
    tpp, other = make_tpp(), make_tpp(name="Other")
    assert_oauth_error(token_with(tpp, tpp.assertion(), client_id=other.client_id), 401,
                       "invalid_client")


def test_no_client_authentication(make_tpp):
    tpp = make_tpp()
    resp = tpp.post_form("/token", {"grant_type": "client_credentials",
                                    "client_id": tpp.client_id})
    assert_oauth_error(resp, 401, "invalid_client")
    resp = tpp.post_form("/token", {"grant_type": "client_credentials",
                                    "client_id": tpp.client_id, "client_secret": "s3cret"})
    assert_oauth_error(resp, 401, "invalid_client")


def test_tls_client_auth(make_tpp, app):
    tpp = make_tpp(binding="mtls", auth_method="tls_client_auth")
    assert tpp.token("accounts")
    from auth.mtls import encode_for_header

    wrong = {app.config["CLIENT_CERT_HEADER"]: encode_for_header(self_signed_cert("x"))}
    resp = tpp.client.post("/token", data={"grant_type": "client_credentials",
                                           "client_id": tpp.client_id}, headers=wrong)
    assert_oauth_error(resp, 401, "invalid_client")


def test_method_must_be_the_registered_one(make_tpp):
    mtls_client = make_tpp(binding="mtls", auth_method="tls_client_auth")
    assertion = sign(mtls_client.key, {"kid": mtls_client.key.kid}, {
        "iss": mtls_client.client_id, "sub": mtls_client.client_id, "aud": ISSUER,
        "exp": int(time.time()) + 60, "jti": "abcdefgh12345"}, "ES256")
    assert_oauth_error(token_with(mtls_client, assertion), 401, "invalid_client")


def test_replay_cache_down_fails_closed(app, make_tpp, monkeypatch):
    import redis

    tpp = make_tpp()
    redis_client = app.extensions["auth"].redis

    def broken(*args, **kwargs):
        raise redis.ConnectionError("down")

    monkeypatch.setattr(redis_client, "set", broken)
    resp = token_with(tpp, tpp.assertion())
    assert_oauth_error(resp, 503, "temporarily_unavailable")


def test_clock_skew_with_time_machine(make_tpp):
    tpp = make_tpp()
    assertion = tpp.assertion()
    with time_machine.travel(time.time() + 120, tick=False):
        assert_oauth_error(token_with(tpp, assertion), 401, "invalid_client")
