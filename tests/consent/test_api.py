"""The TPP API with real tokens (make_tpp: private_key_jwt client, DPoP-bound tokens): the
happy path and each error, responses checked against the OB v4.0 schemas."""

from __future__ import annotations

import pytest

from tests.consent import ob_schemas
from tests.consent.conftest import consent_body
from tests.consent.ob_schemas import OB_ERROR_RESPONSE_1, OB_READ_CONSENT_RESPONSE_1, validate

PATH = "/open-banking/v4.0/aisp/account-access-consents"


@pytest.fixture
def aisp(make_tpp):
    return make_tpp(roles=("AISP",), name="Budget Buddy")


def post(tpp, body, **headers):
    return tpp.request("POST", PATH, scope="accounts", json=body, headers=headers)


def test_schema_validator_itself():
    ob_schemas.test_validator_catches_violations()


def test_create_read_delete(aisp):
    resp = post(aisp, consent_body(("ReadAccountsDetail", "ReadBalances"),
                                   ExpirationDateTime="2099-01-01T00:00:00Z"))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert validate(body, OB_READ_CONSENT_RESPONSE_1) == []
    assert body["Data"]["Status"] == "AWAU"
    assert resp.headers["x-fapi-interaction-id"]
    consent_id = body["Data"]["ConsentId"]

    got = aisp.request("GET", f"{PATH}/{consent_id}", scope="accounts")
    assert got.status_code == 200 and validate(got.get_json(), OB_READ_CONSENT_RESPONSE_1) == []
    assert got.get_json()["Data"] == body["Data"]

    assert aisp.request("DELETE", f"{PATH}/{consent_id}", scope="accounts").status_code == 204
    after = aisp.request("GET", f"{PATH}/{consent_id}", scope="accounts").get_json()
    assert after["Data"]["Status"] == "CANC"
    assert validate(after, OB_READ_CONSENT_RESPONSE_1) == []

    events = aisp.request("GET", f"{PATH}/{consent_id}/events", scope="accounts").get_json()
    assert [e["Action"] for e in events["Data"]["Event"]] == [
        "consent.created", "consent.deleted_by_tpp", "tokens.revoked"]
    assert events["Data"]["Event"][0]["Actor"] == f"tpp:{aisp.client_id}"
    chain = events["Data"]["Event"]
    assert all(b["PreviousHash"] == a["Hash"] for a, b in zip(chain, chain[1:], strict=False))


@pytest.mark.parametrize(("body", "code", "path"), [
    (consent_body(("ReadAccountsBasic", "ReadTransactionsCredits")), "U001", "Data.Permissions"),
    (consent_body(("ReadAccountsBasic", "ReadNothing")), "U002", "Data.Permissions[1]"),
    (consent_body(()), "U004", "Data.Permissions"),
    (consent_body(ExpirationDateTime="2001-01-01T00:00:00Z"), "U003", "Data.ExpirationDateTime"),
    (consent_body(TransactionFromDateTime="2026-02-01T00:00:00Z",
                  TransactionToDateTime="2026-01-01T00:00:00Z"), "U003",
     "Data.TransactionToDateTime"),
    ({"Data": {"Permissions": ["ReadAccountsBasic"]}}, "U004", "Risk"),
    ({**consent_body(), "Extra": 1}, "U005", "Extra"),
    (consent_body(ExpirationDatetime="2030-01-01T00:00:00Z"), "U005",
     "Data.ExpirationDatetime"),
])
def test_invalid_requests(aisp, body, code, path):
    resp = post(aisp, body)
    assert resp.status_code == 400
    assert resp.mimetype == "application/json"
    problem = resp.get_json()
    assert validate(problem, OB_ERROR_RESPONSE_1) == []
    assert {"ErrorCode": code, "Path": path} in [
        {"ErrorCode": e["ErrorCode"], "Path": e.get("Path")} for e in problem["Errors"]]


def test_not_json_is_415(aisp):
    resp = aisp.request("POST", PATH, scope="accounts", headers={"Content-Type": "text/plain"})
    assert resp.status_code in (400, 415)


def test_idempotency_key(aisp):
    first = post(aisp, consent_body(), **{"x-idempotency-key": "key-1"})
    again = post(aisp, consent_body(), **{"x-idempotency-key": "key-1"})
    assert first.status_code == again.status_code == 201
    assert again.get_data() == first.get_data()  # the recorded answer, byte for byte
    other = post(aisp, consent_body(("ReadAccountsDetail",)), **{"x-idempotency-key": "key-1"})
    assert other.status_code == 409
    assert validate(other.get_json(), OB_ERROR_RESPONSE_1) == []
    assert other.get_json()["Errors"][0]["ErrorCode"] == "U029"


def test_other_tpp_gets_u011(aisp, make_tpp):
    consent_id = post(aisp, consent_body()).get_json()["Data"]["ConsentId"]
    intruder = make_tpp(roles=("AISP",), name="Snoop")
    for method, suffix in (("GET", ""), ("DELETE", ""), ("GET", "/events")):
        resp = intruder.request(method, f"{PATH}/{consent_id}{suffix}", scope="accounts")
        assert resp.status_code == 400, (method, suffix)  # as for an unknown id
        assert resp.get_json()["Errors"][0]["ErrorCode"] == "U011"
    assert aisp.request("GET", f"{PATH}/{consent_id}", scope="accounts").get_json()[
        "Data"]["Status"] == "AWAU"


def test_unknown_consent_is_400_u011(aisp):
    resp = aisp.request("GET", f"{PATH}/aac-nope", scope="accounts")
    assert resp.status_code == 400
    assert resp.get_json()["Errors"] == [
        {"ErrorCode": "U011", "Message": "Consent not found", "Path": "ConsentId"}]


def test_auth_errors(aisp, make_tpp, client):
    assert client.post(PATH, json=consent_body()).status_code == 401
    cop = make_tpp(roles=("COP",), name="Payee checker")
    resp = cop.request("POST", PATH, scope="payee-checks", json=consent_body())
    assert resp.status_code == 403
    resp = aisp.request("POST", PATH, scope="status", json=consent_body())
    assert resp.status_code == 403
