"""CoP message signing over HTTP: requests verified against the TPP's registered keys, every
answer signed with a key of /jwks."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from joserfc import jwk

from auth import registry
from auth.cli import tpp_cli
from cop import signing

from .test_api import REQUESTING_BIC, SCOPE, UK_PATH, register_requesting_psp, uk_body


@pytest.fixture
def app_settings():
    # whether a client must sign is read from the worker's client cache; these tests change
    # the registration between two calls
    return {"CLIENT_CACHE_SECONDS": 0}


@pytest.fixture
def tpp(app, make_tpp, seeded):
    tpp = make_tpp(roles=("COP",), name="Signing TPP", alg="PS256")
    register_requesting_psp(app, REQUESTING_BIC, tpp.client_id)
    return tpp


def require_signing(app, client_id, required=True):
    with app.extensions["session_factory"]() as session, session.begin():
        registry.set_message_signing(session, client_id, required)


def jws(tpp, body: bytes, **changes) -> str:
    return signing.sign(body, tpp.key, kid=tpp.key.kid, issuer=changes.pop("iss", tpp.client_id),
                        trust_anchor=changes.pop("tan", "openbanking.org.uk"),
                        now=changes.pop("now", time.time()))


def post(tpp, path, body: bytes, signature: str | None = None):
    """The exact bytes that were signed, with a DPoP-bound token."""
    token = tpp.token(SCOPE)
    headers = {"Authorization": f"DPoP {token}", **tpp.binding_headers("POST", path, token)}
    if signature is not None:
        headers[signing.HEADER] = signature
    return tpp.client.open(path, method="POST", data=body, content_type="application/json",
                           headers=headers)


def verify_answer(client, resp):
    keys = jwk.KeySet.import_key_set(client.get("/jwks").get_json())
    value = resp.headers[signing.HEADER]
    header = signing.verify(value, resp.get_data(), keys, signing.Expectations(
        "http://localhost", frozenset({"localhost"}), time.time(), 60))
    assert header["alg"] == "PS256" and header["b64"] is False
    return header


BODY = json.dumps(uk_body()).encode()


def test_a_signed_request_is_answered_and_the_answer_is_signed(client, tpp):
    resp = post(tpp, UK_PATH, BODY, jws(tpp, BODY))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["Data"]["VerificationReport"] == {"Matched": True}
    verify_answer(client, resp)


def test_unsigned_requests_pass_unless_the_registration_requires_signing(app, client, tpp):
    assert post(tpp, UK_PATH, BODY).status_code == 200
    require_signing(app, tpp.client_id)
    resp = post(tpp, UK_PATH, BODY)
    assert resp.status_code == 400
    assert resp.get_json()["Errors"][0]["ErrorCode"] == "UK.OBIE.Signature.Missing"
    verify_answer(client, resp)  # errors are signed too
    assert post(tpp, UK_PATH, BODY, jws(tpp, BODY)).status_code == 200


TAMPERED = BODY.replace(b"John Smith", b"John Smyth")


@pytest.mark.parametrize(("sent", "make", "code"), [
    (TAMPERED, lambda tpp: jws(tpp, BODY), "UK.OBIE.Signature.Invalid"),
    (BODY, lambda tpp: jws(tpp, TAMPERED), "UK.OBIE.Signature.Invalid"),
    (BODY, lambda tpp: jws(tpp, BODY, iss="another-client"), "UK.OBIE.Signature.InvalidClaim"),
    (BODY, lambda tpp: jws(tpp, BODY, tan="evil.example"), "UK.OBIE.Signature.InvalidClaim"),
    (BODY, lambda tpp: jws(tpp, BODY, now=time.time() - 3600),
     "UK.OBIE.Signature.InvalidClaim"),
    (BODY, lambda tpp: "not-a-jws", "UK.OBIE.Signature.Malformed"),
])
def test_a_tampered_or_wrong_signature_is_refused(tpp, sent, make, code):
    resp = post(tpp, UK_PATH, sent, make(tpp))
    assert resp.status_code == 400
    error = resp.get_json()["Errors"][0]
    assert error["ErrorCode"] == code
    assert error["Message"]


def test_a_signature_by_another_tpps_key_is_refused(make_tpp, tpp):
    other = make_tpp(roles=("COP",), name="Other", alg="PS256")
    forged = signing.sign(BODY, other.key, kid=tpp.key.kid, issuer=tpp.client_id,
                          trust_anchor="openbanking.org.uk", now=time.time())
    resp = post(tpp, UK_PATH, BODY, forged)
    assert resp.get_json()["Errors"][0]["ErrorCode"] == "UK.OBIE.Signature.Invalid"


def test_bulk_requests_are_verified_and_answers_signed(client, tpp):
    body = json.dumps({"Data": {"Items": [{"Id": "1", **uk_body()["Data"]}]}}).encode()
    resp = post(tpp, f"{UK_PATH}/bulk", body, jws(tpp, body))
    assert resp.status_code == 200
    verify_answer(client, resp)
    resp = post(tpp, f"{UK_PATH}/bulk", body, jws(tpp, body + b" "))
    assert resp.get_json()["Errors"][0]["ErrorCode"] == "UK.OBIE.Signature.Invalid"


def test_the_operator_sets_the_requirement_per_client(app, tpp):
    runner = CliRunner()
    with app.app_context():
        result = runner.invoke(tpp_cli, ["message-signing", tpp.client_id], obj=app)
        assert result.exit_code == 0, result.output
        assert "required" in result.output
        listing = runner.invoke(tpp_cli, ["list"], obj=app).output
        assert f"{tpp.client_id}\tCOP\tprivate_key_jwt\tjws-required" in listing
        assert post(tpp, UK_PATH, BODY).status_code == 400
        result = runner.invoke(tpp_cli, ["message-signing", tpp.client_id, "--optional"],
                               obj=app)
        assert result.exit_code == 0
        assert post(tpp, UK_PATH, BODY).status_code == 200
        result = runner.invoke(tpp_cli, ["message-signing", "no-such-client"], obj=app)
        assert result.exit_code != 0
        assert "no registered client" in result.output
