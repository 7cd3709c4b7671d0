"""Signed request objects at /par (RFC 9101 with FAPI 2.0 Message Signing's rules)."""

from __future__ import annotations

import json
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from auth import jar, registry
from auth.errors import OAuthError
from auth.jose import b64url
from tests.fixtures.auth import ISSUER, new_key
from tests.fixtures.message_signing import approve, push_signed, request_object


@pytest.fixture
def alice(make_psu):
    return make_psu("alice")


def _error(resp, error, status=400):
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["error"] == error, resp.get_json()
    return resp.get_json()["error_description"]


def test_signed_request_object_drives_the_whole_flow(make_tpp, alice):
    tpp = make_tpp()
    verifier = secrets.token_urlsafe(48)
    # The form's own scope and state are ignored: only the object counts.
    resp = push_signed(tpp, request_object(tpp, verifier=verifier), scope="status",
                       state="from-the-form")
    assert resp.status_code == 201, resp.get_json()
    location = approve(tpp, resp.get_json()["request_uri"]).location
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["state-in-object"] and query["iss"] == [ISSUER]
    tokens = tpp.exchange_code(query["code"][0], verifier)
    assert tokens.status_code == 200, tokens.get_json()
    assert tokens.get_json()["scope"] == "accounts"


def test_ps256_request_object(make_tpp, alice):
    tpp = make_tpp(alg="PS256")
    assert push_signed(tpp, request_object(tpp)).status_code == 201


def test_json_members_keep_their_structure(make_tpp):
    tpp = make_tpp()
    claims = {"id_token": {"openbanking_intent_id": {"value": "urn-consent-1",
                                                     "essential": True}}}
    resp = push_signed(tpp, request_object(tpp, claims=claims))
    assert resp.status_code == 201, resp.get_json()
    pending = tpp.app.extensions["auth"].requests.load(resp.get_json()["request_uri"])
    assert pending.consent_id == "urn-consent-1" and pending.claims == claims


# Claims relative to the moment the test runs (a slow run must not age them).
BAD_OBJECTS = {
    "aud is the token endpoint": lambda now: dict(aud=ISSUER + "/token"),
    "aud is another server": lambda now: dict(aud="https://other.example"),
    "aud missing": lambda now: dict(aud=None),
    "iss is another client": lambda now: dict(iss="someone-else"),
    "client_id differs": lambda now: dict(client_id="someone-else"),
    "client_id missing": lambda now: dict(client_id=None),
    "exp missing": lambda now: dict(exp=None),
    "nbf missing": lambda now: dict(nbf=None),
    "expired": lambda now: dict(exp=now - 1, nbf=now - 100),
    "nbf in the future": lambda now: dict(nbf=now + 120, exp=now + 600),
    "lifetime over 60 minutes": lambda now: dict(nbf=now, exp=now + 3601),
    "nbf over 60 minutes old": lambda now: dict(nbf=now - 3700, exp=now + 60),
    "request_uri inside": lambda now: dict(request_uri="urn:ietf:params:oauth:request_uri:x"),
}


@pytest.mark.parametrize("case", sorted(BAD_OBJECTS))
def test_claim_rules(make_tpp, case):
    tpp = make_tpp()
    claims = BAD_OBJECTS[case](int(time.time()))
    _error(push_signed(tpp, request_object(tpp, **claims)), "invalid_request_object")


@pytest.mark.parametrize("case", ["other key", "RS256", "none", "typ", "encrypted", "garbage"])
def test_signature_rules(make_tpp, case):
    tpp = make_tpp()
    if case == "other key":
        obj = request_object(tpp, key=new_key())
    elif case == "RS256":
        obj = request_object(tpp, key=new_key("PS256"), alg="RS256")
    elif case == "none":
        obj = jar_none(request_object(tpp).split(".")[1])
    elif case == "typ":
        obj = request_object(tpp, header={"typ": "dpop+jwt"})
    elif case == "encrypted":
        obj = "a.b.c.d.e"
    else:
        obj = "not-a-jwt"
    _error(push_signed(tpp, obj), "invalid_request_object")


def jar_none(body: str) -> str:
    return b64url(b'{"alg":"none"}') + "." + body + "."


def test_repeated_request_parameter(make_tpp):
    tpp = make_tpp()
    obj = request_object(tpp)
    data = MultiDict([("request", obj), ("request", obj), *tpp.auth_form().items()])
    resp = tpp.client.post("/par", data=data, headers=tpp.binding_headers("POST", "/par"))
    _error(resp, "invalid_request")


def test_client_that_must_sign_is_refused_plain_parameters(app, make_tpp, alice):
    tpp = make_tpp()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tpp", "require-signed-requests", tpp.client_id])
    assert result.exit_code == 0, result.output
    resp, _, _ = tpp.par("accounts")
    assert "signed request object" in _error(resp, "invalid_request")
    assert push_signed(tpp, request_object(tpp)).status_code == 201
    result = runner.invoke(args=["tpp", "require-signed-requests", tpp.client_id, "--off"])
    assert result.exit_code == 0
    assert tpp.par("accounts")[0].status_code == 201


def test_unknown_client_in_cli(app):
    result = app.test_cli_runner().invoke(args=["tpp", "require-signed-requests", "nobody"])
    assert result.exit_code != 0 and "no client" in result.output


def test_dynamic_registration_sets_the_switch(app, client):
    with app.extensions["session_factory"]() as session, session.begin():
        token = registry.issue_registration_token(session, ["AISP"])
    key = new_key()
    body = {"client_name": "Signed App", "jwks": {"keys": [key.as_dict(private=False)]},
            "redirect_uris": ["https://signed.example/cb"],
            "require_signed_request_object": True, "request_object_signing_alg": "ES256"}
    resp = client.post("/register", json=body, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["require_signed_request_object"] is True
    with app.extensions["session_factory"]() as session, session.begin():
        token = registry.issue_registration_token(session, ["AISP"])
    resp = client.post("/register", json={**body, "require_signed_request_object": "yes"},
                       headers={"Authorization": f"Bearer {token}"})
    assert resp.get_json()["error"] == "invalid_client_metadata"


def test_metadata_advertises_request_objects(client):
    meta = client.get("/.well-known/oauth-authorization-server").get_json()
    assert meta["request_parameter_supported"] is True
    assert meta["request_object_signing_alg_values_supported"] == ["PS256", "ES256"]


NOW = 1_800_000_000


@given(nbf=st.integers(NOW - 7200, NOW + 7200), lifetime=st.integers(-100, 7200))
def test_time_rules_property(nbf, lifetime):
    claims = {"iss": "c", "client_id": "c", "aud": ISSUER, "nbf": nbf, "exp": nbf + lifetime}
    ok = (nbf + lifetime > NOW and nbf <= NOW + jar.MAX_FUTURE_SKEW
          and nbf >= NOW - jar.MAX_LIFETIME and lifetime <= jar.MAX_LIFETIME)
    try:
        jar.check_claims(claims, client_id="c", issuer=ISSUER, now=NOW)
    except OAuthError as exc:
        assert not ok and exc.error == "invalid_request_object"
    else:
        assert ok


@given(st.dictionaries(st.text(min_size=1, max_size=8),
                       st.one_of(st.text(max_size=8), st.integers(), st.lists(st.integers()),
                                 st.dictionaries(st.text(max_size=4), st.integers()))))
def test_to_parameters_property(claims):
    params = jar.to_parameters(claims)
    for name, value in claims.items():
        if name in jar.JWT_CLAIMS:
            assert name not in params
        elif isinstance(value, str):
            assert params[name] == value
        else:
            assert json.loads(params[name]) == value
