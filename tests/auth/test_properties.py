"""Property tests: random bytes and mutated valid JWTs are refused with the right error at every
entry point, never a 500."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fixtures.auth import ASSERTION_TYPE

SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=300)


@pytest.fixture
def tpp(make_tpp, protected):
    return make_tpp()


def mutate(token: str, data) -> str:
    """Flip, drop or insert one character of a compact JWS."""
    index = data.draw(st.integers(0, len(token) - 1))
    action = data.draw(st.sampled_from(["flip", "drop", "insert"]))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    char = data.draw(st.sampled_from(alphabet))
    if action == "drop":
        return token[:index] + token[index + 1:]
    if action == "insert":
        return token[:index] + char + token[index:]
    if token[index] == char:
        char = "A" if char != "A" else "B"
    return token[:index] + char + token[index + 1:]


@SETTINGS
@given(value=header_text)
def test_random_authorization_header(tpp, protected, value):
    resp = tpp.client.get(protected, headers={"Authorization": value})
    assert resp.status_code == 401
    assert resp.get_json()["type"] == "/problems/invalid-token"


@SETTINGS
@given(value=header_text)
def test_random_dpop_header(tpp, protected, value):
    token = tpp.token("accounts") if not hasattr(tpp, "_prop_token") else tpp._prop_token
    tpp._prop_token = token
    resp = tpp.client.get(protected, headers={"Authorization": f"DPoP {token}", "DPoP": value})
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "invalid_dpop_proof"


@SETTINGS
@given(data=st.data())
def test_mutated_access_token(tpp, protected, data):
    if not hasattr(tpp, "_prop_token"):
        tpp._prop_token = tpp.token("accounts")
    token = tpp._prop_token
    mutated = mutate(token, data)
    resp = tpp.client.get(protected, headers={"Authorization": f"DPoP {mutated}",
                                              "DPoP": tpp.dpop_proof("GET", protected, mutated)})
    if mutated == token:
        return
    # Some base64url mutations decode to the same bytes (trailing bits): then it is valid.
    assert resp.status_code in (401, 200)
    if resp.status_code == 401:
        assert resp.get_json()["error"] in ("invalid_token", "invalid_dpop_proof")
        assert "WWW-Authenticate" in resp.headers


@SETTINGS
@given(data=st.data())
def test_mutated_dpop_proof(tpp, protected, data):
    if not hasattr(tpp, "_prop_token"):
        tpp._prop_token = tpp.token("accounts")
    token = tpp._prop_token
    proof = tpp.dpop_proof("GET", protected, token)
    mutated = mutate(proof, data)
    resp = tpp.client.get(protected, headers={"Authorization": f"DPoP {token}", "DPoP": mutated})
    assert resp.status_code in (401, 200)
    if resp.status_code == 401:
        assert resp.get_json()["error"] in ("invalid_dpop_proof", "invalid_token")


@SETTINGS
@given(data=st.data())
def test_mutated_client_assertion(tpp, data):
    mutated = mutate(tpp.assertion(), data)
    resp = tpp.post_form("/token", {"grant_type": "client_credentials", "scope": "accounts",
                                    "client_assertion_type": ASSERTION_TYPE,
                                    "client_assertion": mutated})
    assert resp.status_code in (401, 200)
    if resp.status_code == 401:
        assert resp.get_json()["error"] == "invalid_client"


@SETTINGS
@given(form=st.dictionaries(st.sampled_from(["grant_type", "code", "code_verifier",
                                             "redirect_uri", "refresh_token", "scope",
                                             "client_id", "client_assertion",
                                             "client_assertion_type"]),
                            header_text, max_size=6))
def test_random_token_requests(tpp, form):
    resp = tpp.client.post("/token", data=form)
    assert resp.status_code in (400, 401)
    assert resp.get_json()["error"] in ("invalid_request", "invalid_client", "invalid_grant",
                                        "unsupported_grant_type", "invalid_dpop_proof")


@SETTINGS
@given(value=st.binary(max_size=400))
def test_random_bytes_as_certificate(tpp, value, app):
    from urllib.parse import quote

    resp = tpp.client.post("/token", data={"grant_type": "client_credentials",
                                           "client_id": tpp.client_id},
                           headers={app.config["CLIENT_CERT_HEADER"]: quote(value)})
    assert resp.status_code == 401 and resp.get_json()["error"] == "invalid_client"


@SETTINGS
@given(body=st.one_of(st.none(), st.dictionaries(st.text(max_size=20), st.text(max_size=20)),
                      st.lists(st.integers()), st.text()))
def test_random_registration_bodies(client, app, body):
    runner = app.test_cli_runner()
    token = runner.invoke(args=["tpp", "issue-registration-token", "--roles", "AISP"]
                          ).output.strip()
    resp = client.post("/register", json=body, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 400
    assert resp.get_json()["error"] in ("invalid_client_metadata", "invalid_redirect_uri")
