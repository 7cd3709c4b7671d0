"""UK CoP answers, success and error, validated against the Pay.UK / OB message schemas
(tests/conformance/schemas.py) through HTTP with real DPoP-bound tokens; every answer's
`x-jws-signature` verifies against the service's /jwks."""

from __future__ import annotations

import json
import time

import pytest
from joserfc import jwk

from cop import signing

from .schemas import (
    COP_BULK_RESPONSE,
    COP_REQUEST,
    COP_RESPONSE,
    OB_ERROR_RESPONSE,
    problems,
)

PATH = "/cop/v1/name-verifications"
SCOPE = "payee-checks"


def body(name="John Smith", identification="04000412345678", kind="Personal", **extra):
    return {"Data": {"SchemeName": "SortCodeAccountNumber", "AccountType": kind,
                     "Identification": identification, "Name": name, **extra}}


def assert_signed(client, resp):
    keys = jwk.KeySet.import_key_set(client.get("/jwks").get_json())
    signing.verify(resp.headers.get(signing.HEADER), resp.get_data(), keys,
                   signing.Expectations("http://localhost", frozenset({"localhost"}),
                                        time.time(), 60))
    assert resp.headers.get("x-fapi-interaction-id")


SUCCESS = [
    ("match", body(), {"Matched": True}),
    ("close match MBAM", body("J Smith"), {"Matched": False, "ReasonCode": "MBAM"}),
    ("no match ANNM", body("Andrew Smith"), {"Matched": False, "ReasonCode": "ANNM"}),
    ("business not personal BANM", body("Oakfield Dental Ltd", "04000434567890"),
     {"Matched": False, "ReasonCode": "BANM"}),
    ("personal not business PANM", body(kind="Business"),
     {"Matched": False, "ReasonCode": "PANM"}),
    ("no such account AC01", body(identification="04000499999999"),
     {"Matched": False, "ReasonCode": "AC01"}),
    ("opted out OPTO", body("Elizabeth Turner", "04000445678901"),
     {"Matched": False, "ReasonCode": "OPTO"}),
    ("switched CASS", body("Rhys Hughes", "04000467890123"),
     {"Matched": False, "ReasonCode": "CASS"}),
    ("secondary reference IVCR", body("Margaret Thornton", "04000478901234"),
     {"Matched": False, "ReasonCode": "IVCR"}),
    ("not in the scheme ACNS", body("Amy Price", "04000489012345"),
     {"Matched": False, "ReasonCode": "ACNS"}),
    ("sort code not served SCNS", body(identification="99999912345678"),
     {"Matched": False, "ReasonCode": "SCNS"}),
]


@pytest.mark.parametrize(("case", "request_body", "expected"), SUCCESS,
                         ids=[c[0] for c in SUCCESS])
def test_answers_conform(client, tpp, case, request_body, expected):
    assert problems(request_body, COP_REQUEST) == []
    resp = tpp.request("POST", PATH, json=request_body, scope=SCOPE)
    assert resp.status_code == 200, resp.get_json()
    answer = resp.get_json()
    assert problems(answer, COP_RESPONSE) == []
    report = answer["Data"]["VerificationReport"]
    assert {k: report[k] for k in expected} == expected
    assert_signed(client, resp)


def test_bulk_answer_conforms(client, tpp):
    items = [{"Id": str(i), **b["Data"]} for i, (_, b, _) in enumerate(SUCCESS)]
    resp = tpp.request("POST", f"{PATH}/bulk", json={"Data": {"Items": items}}, scope=SCOPE)
    assert resp.status_code == 200
    assert problems(resp.get_json(), COP_BULK_RESPONSE) == []
    assert_signed(client, resp)


def _post_raw(tpp, path, raw: bytes, extra_headers=None, content_type="application/json"):
    token = tpp.token(SCOPE)
    return tpp.client.post(path, data=raw, content_type=content_type, headers={
        "Authorization": f"DPoP {token}", **tpp.binding_headers("POST", path, token),
        **(extra_headers or {})})


def _field_missing(tpp):
    return tpp.request("POST", PATH, json={"Data": {"Name": "x"}}, scope=SCOPE)


def _field_unexpected(tpp):
    return tpp.request("POST", PATH, json=body(Nickname="Jo"), scope=SCOPE)


def _tampered(tpp):
    raw = json.dumps(body()).encode()
    value = signing.sign(raw, tpp.key, kid=tpp.key.kid, issuer=tpp.client_id,
                         trust_anchor="openbanking.org.uk", now=time.time())
    return _post_raw(tpp, PATH, raw.replace(b"John", b"Jane"), {signing.HEADER: value})


def _wrong_method(tpp):
    return tpp.request("GET", PATH, scope=SCOPE)


def _too_large(tpp):
    return tpp.request("POST", PATH, json=body("x" * 70_000), scope=SCOPE)


def _not_json(tpp):
    return _post_raw(tpp, PATH, b"Name=x", content_type="text/plain")


def _xml_wanted(tpp):
    return tpp.request("POST", PATH, json=body(), headers={"Accept": "application/xml"},
                       scope=SCOPE)


ERRORS = [(_field_missing, 400, "UK.OBIE.Field.Missing"),
          (_field_unexpected, 400, "UK.OBIE.Field.Unexpected"),
          (_tampered, 400, "UK.OBIE.Signature.Invalid"),
          (_wrong_method, 405, None), (_too_large, 413, None), (_not_json, 415, None),
          (_xml_wanted, 406, None)]


@pytest.mark.parametrize(("call", "status", "code"), ERRORS,
                         ids=["400 missing", "400 unexpected", "400 signature", "405", "413",
                              "415", "406"])
def test_errors_conform(client, tpp, call, status, code):
    resp = call(tpp)
    assert resp.status_code == status
    error = resp.get_json()
    assert problems(error, OB_ERROR_RESPONSE) == []
    if code:
        assert code in [e["ErrorCode"] for e in error["Errors"]]


@pytest.mark.parametrize(("call", "code"), [(c, code) for c, _, code in ERRORS[:3]],
                         ids=["400 missing", "400 unexpected", "400 signature"])
def test_errors_carry_the_ob_codes_and_are_signed(client, tpp, call, code):
    """What holds before the renderer: the OB `Errors[]` part conforms, and it is signed."""
    resp = call(tpp)
    assert resp.status_code == 400
    errors = resp.get_json()["Errors"]
    assert problems(errors, {"type": "array", "minItems": 1,
                             "items": OB_ERROR_RESPONSE["properties"]["Errors"]["items"]}) == []
    assert code in [e["ErrorCode"] for e in errors]
    assert_signed(client, resp)
