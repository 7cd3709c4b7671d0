"""One error path, one dialect per API family: the family comes from the path, so werkzeug's
own 404/405/413/415 (raised before any view) are shaped like the view's own errors."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core import dialects
from core.dialects import ErrorInfo, dialect_for, ob_errors

OB_MEMBERS = {"Code", "Id", "Message", "Errors"}


@pytest.fixture
def app_settings():
    return {"MAX_CONTENT_LENGTH": 1024}


@pytest.mark.parametrize(("path", "dialect"), [
    ("/open-banking/v4.0/aisp/balances", "ob"),
    ("/open-banking/v4.0/aisp/account-access-consents/x", "ob"),
    ("/vop/v1/payee-verifications", "epc-vop"),
    ("/cop/v1/name-verifications", "cop-uk"),
    ("/cop/v1/directory/accounts", "problem"),
    ("/token", "oauth"),
    ("/par", "oauth"),
    ("/status/v1/notices", "problem"),
    ("/openbanking", "problem"),
    ("/", "problem"),
])
def test_the_family_comes_from_the_path(path, dialect):
    assert dialect_for(path) == dialect


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/open-banking/v4.0/aisp/nothing-here", 404),
    ("DELETE", "/open-banking/v4.0/aisp/balances", 405),
])
def test_ob_routing_errors_are_ob_error_response_1(client, method, path, status):
    answer = client.open(path, method=method)
    assert answer.status_code == status and answer.mimetype == "application/json"
    body = answer.get_json()
    assert set(body) <= OB_MEMBERS and body["Errors"][0]["ErrorCode"] == "NARR"
    assert body["Id"] == answer.headers["x-fapi-interaction-id"]


def test_ob_413_before_the_view(client):
    answer = client.post("/open-banking/v4.0/aisp/account-access-consents",
                         data=b"x" * 2048, content_type="application/json")
    assert answer.status_code == 413
    assert set(answer.get_json()) <= OB_MEMBERS


@pytest.mark.parametrize(("method", "path", "status", "kwargs"), [
    ("GET", "/vop/v1/payee-verifications", 405, {}),
    ("POST", "/vop/v1/payee-verifications", 413,
     {"data": b"x" * 2048, "content_type": "application/json"}),
    ("POST", "/vop/v1/payee-verifications", 415,
     {"data": b"<a/>", "content_type": "application/xml"}),
])
def test_epc_vop_errors_carry_the_code_and_both_headers(client, method, path, status, kwargs):
    sent = str(uuid.uuid4())
    answer = client.open(path, method=method, headers={"X-Request-ID": sent}, **kwargs)
    assert answer.status_code == status
    body = answer.get_json()
    assert body["code"] in ("FORMAT_ERROR", "CLIENT_INVALID") and body["type"]
    assert answer.headers["X-Request-ID"] == sent
    assert answer.headers["X-Response-Timestamp"].endswith("Z")


def test_epc_vop_makes_a_request_id_when_none_was_sent(client):
    answer = client.get("/vop/v1/payee-verifications")
    assert uuid.UUID(answer.headers["X-Request-ID"])


@pytest.mark.parametrize(("method", "path", "status", "kwargs"), [
    ("GET", "/cop/v1/name-verifications", 405, {}),
    ("POST", "/cop/v1/name-verifications", 413,
     {"data": b"x" * 2048, "content_type": "application/json"}),
    ("POST", "/cop/v1/name-verifications", 415,
     {"data": b"<a/>", "content_type": "application/xml"}),
])
def test_cop_uk_errors_have_message_and_errors(client, method, path, status, kwargs):
    answer = client.open(path, method=method, **kwargs)
    assert answer.status_code == status
    body = answer.get_json()
    assert set(body) <= OB_MEMBERS and body["Message"]
    assert body["Errors"][0]["ErrorCode"].startswith(("UK.OBIE.", "NARR"))


def test_oauth_endpoints_answer_oauth_json(client):
    answer = client.get("/token")
    assert answer.status_code == 405
    assert set(answer.get_json()) == {"error", "error_description"}
    assert answer.headers["Allow"]


def test_the_service_own_apis_keep_rfc_9457(client):
    answer = client.delete("/status/v1/notices")
    assert answer.mimetype == "application/problem+json"
    assert answer.get_json()["type"] == "/problems/method-not-allowed"


def test_a_v3_namespaced_code_is_answered_as_the_v4_code():
    info = ErrorInfo(400, "bad-request", "Bad request", "x", extra={"Errors": [
        {"ErrorCode": "UK.OBIE.Field.Missing", "Message": "m", "Path": "Data", "Extra": "no"}]})
    assert ob_errors(info, namespaced=False) == [
        {"ErrorCode": "U004", "Message": "m", "Path": "Data"}]
    assert ob_errors(info, namespaced=True)[0]["ErrorCode"] == "UK.OBIE.Field.Missing"


def test_field_messages_become_one_error_each():
    info = ErrorInfo(422, "validation-error", "Invalid", "see errors", extra={
        "errors": {"json": {"Data": {"Name": ["Missing data for required field."]}}}})
    assert ob_errors(info, namespaced=False) == [
        {"ErrorCode": "U004", "Message": "Missing data for required field.",
         "Path": "Data.Name"}]
    assert dialects.ob_status(422) == 400


@given(status=st.sampled_from([400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 429, 500,
                               502, 503]),
       detail=st.text(max_size=800),
       errors=st.lists(st.fixed_dictionaries({"ErrorCode": st.text(max_size=30),
                                              "Message": st.text(max_size=700)}), max_size=3))
def test_every_ob_error_list_fits_obError1(status, detail, errors):
    """Whatever a Problem carries, the rendered Errors[] has at least one entry, each with a
    4-character ErrorCode and a Message of 1..500 characters."""
    info = ErrorInfo(status, "x", "Title", detail, extra={"Errors": errors})
    rendered = ob_errors(info, namespaced=False)
    assert rendered
    for entry in rendered:
        assert len(entry["ErrorCode"]) == 4 and 1 <= len(entry["Message"]) <= 500
        assert set(entry) <= {"ErrorCode", "Message", "Path", "Url"}
