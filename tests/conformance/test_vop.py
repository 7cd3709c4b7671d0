"""EU VoP answers, success and error, validated against the EPC message schemas
(tests/conformance/schemas.py) through HTTP with real DPoP-bound tokens."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from tests.cop.conftest import DE_BUSINESS_IBAN, DE_IBAN, EU_BIC

from .schemas import VOP_BULK_RESPONSE, VOP_ERROR, VOP_REQUEST, VOP_RESPONSE, problems

PATH = "/vop/v1/payee-verifications"
SCOPE = "payee-checks"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$")


def headers(**overrides):
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"X-Request-ID": str(uuid.uuid4()), "X-Request-Timestamp": now, **overrides}


def body(name="Juergen Mueller", iban=DE_IBAN, requesting="BNPAFRPPXXX", party=None, **extra):
    return {"party": party or {"name": name}, "partyAccount": {"iban": iban},
            "partyAgent": {"financialInstitutionId": {"bicfi": EU_BIC}},
            "requestingAgent": {"financialInstitutionId": {"bicfi": requesting}}, **extra}


def org(**organisation_id):
    return {"identification": {"organisationId": organisation_id}}


def assert_epc_headers(resp, sent):
    assert resp.headers.get("X-Request-ID") == sent["X-Request-ID"]
    assert TIMESTAMP.match(resp.headers.get("X-Response-Timestamp", "")), resp.headers


SUCCESS = [
    ("name MTCH", body(), {"partyNameMatch": "MTCH"}),
    ("name CMTC", body("Jurgen Muler"), {"partyNameMatch": "CMTC"}),
    ("name NMTC", body("Hans Schmidt"), {"partyNameMatch": "NMTC"}),
    ("name NOAP", body(iban="DE02120300000000202051"), {"partyNameMatch": "NOAP"}),
    ("LEI MTCH", body(iban=DE_BUSINESS_IBAN, party=org(lei="529900T8BM49AURSDO55")),
     {"partyIdMatch": "MTCH"}),
    ("LEI NMTC", body(iban=DE_BUSINESS_IBAN, party=org(lei="5493001KJTIIGC8Y1R12")),
     {"partyIdMatch": "NMTC"}),
    ("other NOAP", body(iban=DE_BUSINESS_IBAN, party=org(others=[
        {"identification": "123456789", "schemeName": {"code": "DUNS"}}])),
     {"partyIdMatch": "NOAP"}),
    ("VAT and name", body(iban=DE_BUSINESS_IBAN, party={"name": "Baeckerei Schulz GmbH", **org(
        others=[{"identification": "DE123456789", "schemeName": {"code": "TXID"},
                 "issuer": "DE"}])}), {"partyNameMatch": "MTCH", "partyIdMatch": "MTCH"}),
    ("remittance", body(unstructuredRemittanceInformation=["Invoice 42"]),
     {"partyNameMatch": "MTCH"}),
]


@pytest.mark.parametrize(("case", "request_body", "expected"), SUCCESS,
                         ids=[c[0] for c in SUCCESS])
def test_answers_conform(tpp, case, request_body, expected):
    assert problems(request_body, VOP_REQUEST) == []  # what we send is the scheme's shape too
    sent = headers()
    resp = tpp.request("POST", PATH, json=request_body, headers=sent, scope=SCOPE)
    assert resp.status_code == 200, resp.get_json()
    answer = resp.get_json()
    assert problems(answer, VOP_RESPONSE) == []
    assert {k: answer[k] for k in expected} == expected
    assert resp.mimetype == "application/json"
    assert_epc_headers(resp, sent)


ERRORS = [
    ("bad IBAN", body(iban="DE00370400440532013000"), {}, 400, "FORMAT_ERROR"),
    ("unknown member", body(purpose="SALA"), {}, 400, "FORMAT_ERROR"),
    ("pre-standard organisationId", body(party={"organisationId": {"lei": "529900T8BM49AURSDO55"}}),
     {}, 400, "FORMAT_ERROR"),
    ("LEI check digits", body(party=org(lei="529900T8BM49AURSDO56")), {}, 400, "FORMAT_ERROR"),
    ("X-Request-ID not a UUID", body(), {"X-Request-ID": "abc"}, 400, "FORMAT_ERROR"),
    ("stale timestamp", body(), {"X-Request-Timestamp": "2020-01-01T00:00:00.000Z"}, 400,
     "TIMESTAMP_INVALID"),
    ("unregistered requestingAgent", body(requesting="DEUTDEFFXXX"), {}, 403, "CLIENT_INVALID"),
]


@pytest.mark.parametrize(("case", "request_body", "changes", "status", "code"), ERRORS,
                         ids=[c[0] for c in ERRORS])
def test_errors_conform(tpp, case, request_body, changes, status, code):
    sent = headers(**changes)
    resp = tpp.request("POST", PATH, json=request_body, headers=sent, scope=SCOPE)
    assert resp.status_code == status
    error = resp.get_json()
    assert problems(error, VOP_ERROR) == []
    assert error["code"] == code
    if "X-Request-ID" not in changes:
        assert_epc_headers(resp, sent)


def test_another_clients_requesting_agent_conforms(app, tpp, make_tpp):
    other = make_tpp(roles=("COP",), name="Other PSP")
    from tests.cop.test_api import register_requesting_psp
    register_requesting_psp(app, "DEUTDEFFXXX", other.client_id)
    sent = headers()
    resp = tpp.request("POST", PATH, json=body(requesting="DEUTDEFFXXX"), headers=sent,
                       scope=SCOPE)
    assert resp.status_code == 403
    assert problems(resp.get_json(), VOP_ERROR) == []
    assert resp.get_json()["code"] == "CLIENT_INCONSISTENT"


def test_bulk_answer_conforms(tpp):
    items = [{"id": "1", **body()}, {"id": "2", **body("Jurgen Muler")},
             {"id": "3", **body(iban=DE_BUSINESS_IBAN, party=org(lei="529900T8BM49AURSDO55"))}]
    sent = headers()
    resp = tpp.request("POST", f"{PATH}/bulk", json={"requests": items}, headers=sent,
                       scope=SCOPE)
    assert resp.status_code == 200
    assert problems(resp.get_json(), VOP_BULK_RESPONSE) == []
    assert_epc_headers(resp, sent)


def test_bulk_error_conforms(tpp):
    sent = headers()
    resp = tpp.request("POST", f"{PATH}/bulk", json={"requests": [body(iban="DE00")]},
                       headers=sent, scope=SCOPE)
    assert resp.status_code == 400
    assert problems(resp.get_json(), VOP_ERROR) == []
    assert_epc_headers(resp, sent)


def _wrong_method(tpp, sent):
    return tpp.request("GET", PATH, headers=sent, scope=SCOPE)


def _too_large(tpp, sent):
    return tpp.request("POST", PATH, json=body(party={"name": "x" * 70_000}), headers=sent,
                       scope=SCOPE)


def _not_json(tpp, sent):
    token = tpp.token(SCOPE)
    return tpp.client.post(PATH, data="party=x", content_type="text/plain", headers={
        "Authorization": f"DPoP {token}", **tpp.binding_headers("POST", PATH, token), **sent})


def _xml_wanted(tpp, sent):
    return tpp.request("POST", PATH, json=body(), headers={**sent, "Accept": "application/xml"},
                       scope=SCOPE)


@pytest.mark.parametrize(("call", "status"), [(_wrong_method, 405), (_too_large, 413),
                                              (_not_json, 415), (_xml_wanted, 406)],
                         ids=["405", "413", "415", "406"])
def test_transport_errors_conform(tpp, call, status):
    sent = headers()
    resp = call(tpp, sent)
    assert resp.status_code == status
    assert problems(resp.get_json(), VOP_ERROR) == []
    assert_epc_headers(resp, sent)
