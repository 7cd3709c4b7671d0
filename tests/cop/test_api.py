"""The HTTP APIs with real DPoP-bound tokens: happy paths and each error."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from cop.schemas import BulkJobResponse

from .conftest import DE_BUSINESS_IBAN, DE_IBAN, EU_BIC

UK_PATH = "/cop/v1/name-verifications"
EU_PATH = "/vop/v1/payee-verifications"
SCOPE = "payee-checks"


@pytest.fixture
def aspsp(make_tpp):
    return make_tpp(roles=("ASPSP",), name="Test Bank ASPSP")


@pytest.fixture
def bank_owner(aspsp):
    return aspsp.client_id


REQUESTING_BIC = "BNPAFRPPXXX"


def register_requesting_psp(app, bic, client_id):
    from cop import participants

    with app.extensions["session_factory"]() as session:
        participants.register(session, bic, client_id)
    app.extensions["cop_participants"].forget()


@pytest.fixture
def tpp(app, make_tpp, seeded):
    tpp = make_tpp(roles=("COP",), name="Payments TPP")
    register_requesting_psp(app, REQUESTING_BIC, tpp.client_id)
    return tpp


def uk_body(name="John Smith", identification="04000412345678", kind="Personal", **extra):
    return {"Data": {"SchemeName": "SortCodeAccountNumber", "AccountType": kind,
                     "Identification": identification, "Name": name, **extra}}


def vop_headers(**overrides):
    now = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return {"X-Request-ID": str(uuid.uuid4()), "X-Request-Timestamp": now, **overrides}


def eu_body(name="Juergen Mueller", iban=DE_IBAN, requesting="BNPAFRPPXXX", **party):
    agent = {"financialInstitutionId": {"bicfi": EU_BIC}}
    return {"party": {"name": name, **party} if name else party, "partyAccount": {"iban": iban},
            "partyAgent": agent,
            "requestingAgent": {"financialInstitutionId": {"bicfi": requesting}}}


# --- UK -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "kind", "report"),
    [
        ("John Smith", "Personal", {"Matched": True}),
        ("J Smith", "Personal", {"Matched": False, "ReasonCode": "MBAM",
                                 "Name": "John Andrew Smith"}),
        ("Andrew Smith", "Personal", {"Matched": False, "ReasonCode": "ANNM"}),
        ("John Smith", "Business", {"Matched": False, "ReasonCode": "PANM"}),
    ],
)
def test_uk_check(tpp, name, kind, report):
    resp = tpp.request("POST", UK_PATH, json=uk_body(name, kind=kind), scope=SCOPE)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["Data"]["VerificationReport"] == report
    assert body["Links"]["Self"].endswith(UK_PATH)
    assert resp.headers["x-fapi-interaction-id"]


def test_uk_unknown_sort_code(tpp):
    resp = tpp.request("POST", UK_PATH, json=uk_body(identification="99000012345678"),
                       scope=SCOPE)
    assert resp.get_json()["Data"]["VerificationReport"] == {"Matched": False,
                                                             "ReasonCode": "SCNS"}


def test_uk_invalid_body_is_ob_error(tpp):
    body = uk_body(identification="0400041234")
    del body["Data"]["Name"]
    resp = tpp.request("POST", UK_PATH, json=body, scope=SCOPE)
    assert resp.status_code == 400
    assert resp.mimetype == "application/json"
    errors = {e["Path"]: e["ErrorCode"] for e in resp.get_json()["Errors"]}
    assert errors == {"Data.Name": "UK.OBIE.Field.Missing",
                      "Data.Identification": "UK.OBIE.Field.Invalid"}


def test_uk_needs_a_token(client, seeded):
    resp = client.post(UK_PATH, json=uk_body())
    assert resp.status_code == 401
    assert "WWW-Authenticate" in resp.headers


def test_uk_needs_the_cop_role(make_tpp, seeded):
    aisp = make_tpp(roles=("AISP",), name="Budget app")
    resp = aisp.request("POST", UK_PATH, json=uk_body(), scope="accounts")
    assert resp.status_code == 403


@pytest.mark.parametrize("app_settings", [{"COP_RATE_LIMIT": "2/minute"}])
def test_uk_rate_limited_with_retry_after(tpp):
    codes = [tpp.request("POST", UK_PATH, json=uk_body(), scope=SCOPE).status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]
    resp = tpp.request("POST", UK_PATH, json=uk_body(), scope=SCOPE)
    assert resp.status_code == 429 and int(resp.headers["Retry-After"]) >= 1


@pytest.mark.parametrize("app_settings", [{"COP_RATE_LIMIT": "5/minute"}])
def test_uk_answers_carry_the_limit_headers(tpp):
    first = tpp.request("POST", UK_PATH, json=uk_body(), scope=SCOPE)
    second = tpp.request("POST", UK_PATH, json=uk_body(), scope=SCOPE)
    assert first.headers["X-RateLimit-Limit"] == "5"
    assert (int(first.headers["X-RateLimit-Remaining"]),
            int(second.headers["X-RateLimit-Remaining"])) == (4, 3)
    assert "Retry-After" not in first.headers


@pytest.mark.parametrize("app_settings", [{"COP_DISCLOSURE_LIMIT": "1/hour"}])
def test_disclosure_limit_is_tighter(make_tpp, seeded):
    tpp = make_tpp(roles=("COP",), name="Harvester")
    first = tpp.request("POST", UK_PATH, json=uk_body("J Smith"), scope=SCOPE)
    second = tpp.request("POST", UK_PATH, json=uk_body("J Smith"), scope=SCOPE)
    plain = tpp.request("POST", UK_PATH, json=uk_body("John Smith"), scope=SCOPE)
    assert (first.status_code, second.status_code, plain.status_code) == (200, 429, 200)
    assert "Retry-After" in second.headers
    assert "John Andrew Smith" not in second.get_data(as_text=True)


# --- EU -------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "answer"),
    [
        ("Juergen Mueller", {"partyNameMatch": "MTCH"}),
        ("Jurgen Muler", {"partyNameMatch": "CMTC", "matchedName": "Jürgen Müller"}),
        ("Hans Schmidt", {"partyNameMatch": "NMTC"}),
    ],
)
def test_eu_check(tpp, name, answer):
    headers = vop_headers()
    resp = tpp.request("POST", EU_PATH, json=eu_body(name), headers=headers, scope=SCOPE)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == answer
    assert resp.headers["X-Request-ID"] == headers["X-Request-ID"]
    stamp = resp.headers["X-Response-Timestamp"]
    assert stamp.endswith("Z") and dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def test_eu_unknown_account_is_noap(tpp):
    resp = tpp.request("POST", EU_PATH, json=eu_body(iban="DE02120300000000202051"),
                       headers=vop_headers(), scope=SCOPE)
    assert resp.get_json() == {"partyNameMatch": "NOAP"}


@pytest.mark.parametrize(
    ("body", "headers", "code"),
    [
        (eu_body(iban="DE00370400440532013000"), {}, "FORMAT_ERROR"),
        (eu_body(name=None), {}, "FORMAT_ERROR"),
        ({**eu_body(), "partyAgent": {"financialInstitutionId": {"bicfi": "nope"}}}, {},
         "FORMAT_ERROR"),
        (eu_body(), {"X-Request-ID": "not-a-uuid"}, "FORMAT_ERROR"),
        (eu_body(), {"X-Request-Timestamp": "2025-10-05 10:00:00"}, "TIMESTAMP_INVALID"),
        (eu_body(), {"X-Request-Timestamp": "2020-01-01T00:00:00.000Z"}, "TIMESTAMP_INVALID"),
    ],
)
def test_eu_errors_carry_epc_codes(tpp, body, headers, code):
    resp = tpp.request("POST", EU_PATH, json=body, headers=vop_headers(**headers), scope=SCOPE)
    assert resp.status_code == 400
    assert resp.mimetype == "application/problem+json"
    problem = resp.get_json()
    assert problem["code"] == code
    assert problem["type"] and problem["status"] == 400
    assert "X-Response-Timestamp" in resp.headers


def org_party(**organisation_id):
    return {"identification": {"organisationId": organisation_id}}


def txid(value, issuer=None):
    other = {"identification": value, "schemeName": {"code": "TXID"}}
    return {**other, "issuer": issuer} if issuer else other


@pytest.mark.parametrize(
    ("party", "answer"),
    [
        (org_party(lei="529900T8BM49AURSDO55"), {"partyIdMatch": "MTCH"}),
        (org_party(lei="5493001KJTIIGC8Y1R12"), {"partyIdMatch": "NMTC"}),
        (org_party(others=[txid("DE 123 456 789", "DE")]), {"partyIdMatch": "MTCH"}),
        (org_party(others=[txid("DE999999999")]), {"partyIdMatch": "NMTC"}),
        (org_party(others=[{"identification": "HRB12345",
                            "schemeName": {"proprietary": "hrb"}}]), {"partyIdMatch": "MTCH"}),
        (org_party(anyBIC="COBADEFFXXX"), {"partyIdMatch": "NOAP"}),
        ({"name": "Baeckerei Schulz GmbH", **org_party(lei="529900T8BM49AURSDO55")},
         {"partyNameMatch": "MTCH", "partyIdMatch": "MTCH"}),
    ],
)
def test_eu_organisation_ids(tpp, party, answer):
    body = {**eu_body(iban=DE_BUSINESS_IBAN), "party": party}
    resp = tpp.request("POST", EU_PATH, json=body, headers=vop_headers(), scope=SCOPE)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == answer


def test_eu_organisation_id_of_an_unknown_account_is_noap(tpp):
    body = eu_body(name=None, iban="DE02120300000000202051",
                   **org_party(lei="529900T8BM49AURSDO55"))
    resp = tpp.request("POST", EU_PATH, json=body, headers=vop_headers(), scope=SCOPE)
    assert resp.get_json() == {"partyIdMatch": "NOAP"}


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (eu_body(name=None, organisationId={"lei": "529900T8BM49AURSDO55"}), "party"),
        (eu_body(**org_party(lei="529900T8BM49AURSDO56")), "party"),
        ({**eu_body(), "purpose": "SALA"}, "purpose"),
        ({**eu_body(), "id": "x"}, "id"),
        ({**eu_body(), "partyAccount": {"iban": DE_IBAN, "currency": "EUR"}}, "partyAccount"),
    ],
)
def test_eu_unknown_or_malformed_members_are_format_errors(tpp, body, where):
    resp = tpp.request("POST", EU_PATH, json=body, headers=vop_headers(), scope=SCOPE)
    assert resp.status_code == 400
    problem = resp.get_json()
    assert problem["code"] == "FORMAT_ERROR"
    assert where in problem["errors"]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({**uk_body(), "Risk": {}}, "Risk"),
        (uk_body(Nickname="Jo"), "Data.Nickname"),
        (uk_body(Id="batch-only"), "Data.Id"),
    ],
)
def test_uk_unknown_members_are_unexpected_fields(tpp, body, path):
    resp = tpp.request("POST", UK_PATH, json=body, scope=SCOPE)
    assert resp.status_code == 400
    errors = resp.get_json()["Errors"]
    assert {"ErrorCode": "UK.OBIE.Field.Unexpected", "Message": "Unknown field.",
            "Path": path} in errors


def test_bulk_envelopes_admit_no_other_members(tpp):
    items = [{"Id": "a", **uk_body()["Data"]}]
    resp = tpp.request("POST", f"{UK_PATH}/bulk", json={"Data": {"Items": items, "X": 1}},
                       scope=SCOPE)
    assert resp.status_code == 400
    assert resp.get_json()["Errors"][0]["Path"] == "Data.X"
    resp = tpp.request("POST", f"{EU_PATH}/bulk", json={"requests": [eu_body()], "meta": {}},
                       headers=vop_headers(), scope=SCOPE)
    assert resp.status_code == 400
    assert resp.get_json()["errors"] == {"meta": ["Unknown field."]}


# --- bulk -----------------------------------------------------------------------------------

def test_uk_bulk(tpp):
    items = [{"Id": "a", **uk_body()["Data"]}, {"Id": "b", **uk_body("J Smith")["Data"]},
             {"Id": "c", **uk_body(identification="04000499999999")["Data"]}]
    resp = tpp.request("POST", f"{UK_PATH}/bulk", json={"Data": {"Items": items}}, scope=SCOPE)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["Data"]["VerificationReports"] == [
        {"Id": "a", "Matched": True},
        {"Id": "b", "Matched": False, "ReasonCode": "MBAM", "Name": "John Andrew Smith"},
        {"Id": "c", "Matched": False, "ReasonCode": "AC01"},
    ]
    assert body["Meta"]["TotalItems"] == 3


def test_uk_bulk_item_errors_name_the_item(tpp):
    items = [uk_body()["Data"], {**uk_body()["Data"], "AccountType": "Joint"}]
    resp = tpp.request("POST", f"{UK_PATH}/bulk", json={"Data": {"Items": items}}, scope=SCOPE)
    assert resp.status_code == 400
    assert resp.get_json()["Errors"][0]["Path"] == "Data.Items.1.AccountType"


@pytest.mark.parametrize("app_settings", [{"COP_BULK_SYNC_MAX": 2}])
def test_large_batch_becomes_a_job(tpp):
    items = [{"Id": str(i), **uk_body()["Data"]} for i in range(3)]
    resp = tpp.request("POST", f"{UK_PATH}/bulk", json={"Data": {"Items": items}}, scope=SCOPE)
    assert resp.status_code == 202, resp.get_json()
    location = resp.headers["Location"]
    assert resp.get_json()["Links"]["Self"] == location
    answer = tpp.request("GET", location, scope=SCOPE).get_json()
    assert not BulkJobResponse().validate(answer)  # the documented shape, results included
    job = answer["Data"]
    assert job["Status"] == "done" and job["TotalItems"] == 3
    assert [r["Matched"] for r in job["VerificationReports"]] == [True, True, True]
    assert answer["Links"]["Self"].endswith(location)


@pytest.mark.parametrize("app_settings", [{"COP_BULK_SYNC_MAX": 2}])
def test_a_job_whose_worker_died_is_resumed_when_polled(app, tpp):
    """The worker that took the batch died before running it: a poll within the lease shows
    it pending, a poll after the lease runs it."""
    import dataclasses

    from cop.models import BulkJob

    adapters = app.extensions["cop"]
    app.extensions["cop"] = dataclasses.replace(adapters, run_in_background=lambda work: None)
    items = [{"Id": str(i), **uk_body()["Data"]} for i in range(3)]
    resp = tpp.request("POST", f"{UK_PATH}/bulk", json={"Data": {"Items": items}}, scope=SCOPE)
    assert resp.status_code == 202, resp.get_json()
    location, job_id = resp.headers["Location"], resp.get_json()["Data"]["JobId"]
    app.extensions["cop"] = adapters  # a live worker answers the next polls
    assert tpp.request("GET", location, scope=SCOPE).get_json()["Data"]["Status"] == "pending"
    with app.extensions["session_factory"]() as session, session.begin():
        session.get(BulkJob, job_id).lease_expires_at = dt.datetime.now(dt.UTC)
    job = tpp.request("GET", location, scope=SCOPE).get_json()["Data"]
    assert job["Status"] == "done"
    assert [r["Id"] for r in job["VerificationReports"]] == ["0", "1", "2"]


@pytest.mark.parametrize("app_settings", [{"COP_BULK_MAX": 2}])
def test_too_large_batch_is_refused(tpp):
    items = [uk_body()["Data"]] * 3
    resp = tpp.request("POST", f"{UK_PATH}/bulk", json={"Data": {"Items": items}}, scope=SCOPE)
    assert resp.status_code == 413


def test_eu_bulk(tpp):
    requests = [{"id": "x", **eu_body()}, {"id": "y", **eu_body("Jurgen Muler")}]
    resp = tpp.request("POST", f"{EU_PATH}/bulk", json={"requests": requests},
                       headers=vop_headers(), scope=SCOPE)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["results"] == [
        {"id": "x", "partyNameMatch": "MTCH"},
        {"id": "y", "partyNameMatch": "CMTC", "matchedName": "Jürgen Müller"},
    ]


def test_eu_requesting_agent_must_be_a_registered_psp(tpp):
    resp = tpp.request("POST", EU_PATH, json=eu_body(requesting="DEUTDEFFXXX"),
                       headers=vop_headers(), scope=SCOPE)
    assert resp.status_code == 403
    assert resp.headers["Content-Type"] == "application/problem+json"
    assert resp.get_json()["code"] == "CLIENT_INVALID"
    assert "partyNameMatch" not in resp.get_json()


def test_eu_requesting_agent_of_another_client_is_inconsistent(app, tpp, make_tpp):
    other = make_tpp(roles=("COP",), name="Another PSP")
    register_requesting_psp(app, "COBADEFF", other.client_id)
    resp = tpp.request("POST", EU_PATH, json=eu_body(requesting="COBADEFFXXX"),
                       headers=vop_headers(), scope=SCOPE)
    assert (resp.status_code, resp.get_json()["code"]) == (403, "CLIENT_INCONSISTENT")
    own = other.request("POST", EU_PATH, json=eu_body(requesting="COBADEFFXXX"),
                        headers=vop_headers(), scope=SCOPE)
    assert own.status_code == 200 and own.get_json() == {"partyNameMatch": "MTCH"}


def test_eu_bulk_names_the_items_with_a_foreign_requesting_agent(tpp):
    requests = [{"id": "x", **eu_body()}, {"id": "y", **eu_body(requesting="DEUTDEFFXXX")}]
    resp = tpp.request("POST", f"{EU_PATH}/bulk", json={"requests": requests},
                       headers=vop_headers(), scope=SCOPE)
    assert resp.status_code == 403
    body = resp.get_json()
    assert body["code"] == "CLIENT_INVALID"
    assert body["errors"] == {"requests": {"1": {"requestingAgent": ["CLIENT_INVALID"]}}}


def test_job_of_another_client_is_not_found(tpp, make_tpp):
    other = make_tpp(roles=("COP",), name="Other TPP")
    resp = other.request("GET", f"/cop/v1/bulk-jobs/{uuid.uuid4()}", scope=SCOPE)
    assert resp.status_code == 404


# --- directory --------------------------------------------------------------------------------

def test_directory_upsert_and_delete(aspsp, tpp):
    account = {"SortCode": "040004", "AccountNumber": "55556666", "AccountType": "Business",
               "HolderNames": ["Harbour View Cafe Ltd"], "TradingNames": ["Harbour Cafe"]}
    bad = {**account, "SortCode": "990000"}
    resp = aspsp.request("POST", "/cop/v1/directory/accounts",
                         json={"Data": {"Accounts": [account, bad]}}, scope="payee-directory")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["Data"] == {"Created": 1, "Updated": 0, "Rejected": [
        {"Index": 1, "Reason": "sort_code is not in a range of a bank this client maintains"}]}
    check = tpp.request("POST", UK_PATH, json=uk_body("Harbour Cafe", "04000455556666",
                                                       "Business"), scope=SCOPE)
    assert check.get_json()["Data"]["VerificationReport"] == {"Matched": True}
    resp = aspsp.request("DELETE", "/cop/v1/directory/accounts/04000455556666",
                         scope="payee-directory")
    assert resp.status_code == 204
    resp = aspsp.request("DELETE", "/cop/v1/directory/accounts/04000455556666",
                         scope="payee-directory")
    assert resp.status_code == 404


def test_directory_needs_aspsp_role(tpp):
    resp = tpp.request("POST", "/cop/v1/directory/accounts", json={"Data": {"Accounts": []}},
                       scope=SCOPE)
    assert resp.status_code in (401, 403)


def test_directory_client_without_bank_is_forbidden(make_tpp, seeded):
    stranger = make_tpp(roles=("ASPSP",), name="Stranger Bank")
    account = {"SortCode": "040004", "AccountNumber": "55556666", "AccountType": "Personal",
               "HolderNames": ["A B"]}
    resp = stranger.request("POST", "/cop/v1/directory/accounts",
                            json={"Data": {"Accounts": [account]}}, scope="payee-directory")
    assert resp.status_code == 403
