"""Payee checks over HTTP: UK Confirmation of Payee, EU Verification of Payee, bulk batches,
and directory maintenance for participating banks.

Callers hold a client-credentials token bound by DPoP or mTLS: role COP (scope
`payee-checks`) to check, role ASPSP (scope `payee-directory`) to maintain the directory.
"""

from __future__ import annotations

import datetime as dt
import uuid

from flask import current_app, g, jsonify, request, url_for
from flask_smorest import Blueprint
from marshmallow import ValidationError

from auth.resource import current_access, require_token
from cop import bulk, demo, directory, schemas, service, signed_messages
from cop.errors import (
    ObError,
    client_refused,
    format_error,
    ob_field_errors,
    timestamp_invalid,
)
from cop.participants import REFUSAL_DETAIL
from core.logging import get_logger
from core.web import db_session, json_only

log = get_logger("cop.jobs")

CHECKS = {"scope": "payee-checks", "roles": ("COP",)}
DIRECTORY = {"scope": "payee-directory", "roles": ("ASPSP",)}

uk = Blueprint("cop", __name__, url_prefix="/cop/v1",
               description="UK Confirmation of Payee (OB-style Data envelope)")
eu = Blueprint("vop", __name__, url_prefix="/vop/v1",
               description="EU Verification of Payee (EPC inter-PSP API shapes)")
dirs = Blueprint("cop_directory", __name__, url_prefix="/cop/v1/directory",
                 description="Account-holder directory, maintained by participating banks")
for _blueprint in (uk, eu, dirs):
    json_only(_blueprint)
uk.after_request(signed_messages.sign_answer)


def _config(name: str):
    return current_app.config[name]


def check_limit():
    return _config("COP_RATE_LIMIT")


def bulk_limit():
    return _config("COP_BULK_RATE_LIMIT")


def adapters() -> service.CopAdapters:
    return current_app.extensions["cop"]


def _body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _unknown_members(body: dict, allowed: set[str]) -> dict[str, list[str]]:
    """The scheme schemas admit no other members: each one is named as an error."""
    return {key: [bulk.UNKNOWN] for key in sorted(set(body) - allowed)}


def _load_ob(schema, body: dict) -> dict:
    try:
        return schema.load(body)
    except ValidationError as exc:
        raise ObError("The request did not validate.", ob_field_errors(exc.messages)) from exc


def _vop_headers() -> str:
    """X-Request-ID (a UUID) and X-Request-Timestamp, as the EPC API requires them."""
    request_id = request.headers.get("X-Request-ID", "")
    try:
        request_id = str(uuid.UUID(request_id))
    except ValueError:
        raise format_error("X-Request-ID must be a UUID.") from None
    g.vop_request_id = request_id
    skew = dt.timedelta(seconds=_config("COP_TIMESTAMP_SKEW_SECONDS"))
    problem = schemas.request_timestamp_problem(
        request.headers.get("X-Request-Timestamp"), dt.datetime.now(dt.UTC), skew)
    if problem:
        raise timestamp_invalid(problem)
    return request_id


@eu.after_request
def _vop_response_headers(response):
    if getattr(g, "vop_request_id", None):
        response.headers["X-Request-ID"] = g.vop_request_id
    now = dt.datetime.now(dt.UTC)
    response.headers["X-Response-Timestamp"] = now.isoformat(timespec="milliseconds").replace(
        "+00:00", "Z")
    return response


def _answer(body: dict, status: int = 200, headers: dict | None = None):
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


# --- UK -------------------------------------------------------------------------------------

@uk.post("/name-verifications")
@require_token(**CHECKS, limit=check_limit)
@uk.doc(requestBody={"required": True, "content": {"application/json": {
    "schema": schemas.OBNameVerificationRequest, "example": demo.UK_EXAMPLE}}},
        parameters=[signed_messages.PARAMETER])
@uk.response(200, schemas.OBNameVerificationResponse, headers=signed_messages.RESPONSE_HEADER)
@uk.alt_response(400, response="BAD_REQUEST", description="OB `Errors[]` name each field")
@uk.alt_response(429, response="TOO_MANY_REQUESTS", description="Per-TPP limit; Retry-After")
def verify_name():
    """Confirm a payee's name for a UK sort code and account number."""
    signed_messages.verify_request()
    body = _body()
    check, errors = bulk.uk_item(body.get("Data"))
    errors = {"Data": errors} if "Data" in body else {"Data": [bulk.REQUIRED]}
    errors.update(_unknown_members(body, {"Data"}))
    if check is None or len(errors) > 1:
        raise ObError("The request did not validate.", ob_field_errors(errors))
    report = service.check_uk(db_session(), current_access().client_id, check, adapters(),
                              g.get("interaction_id"))
    item = service.uk_item(None, report)
    item.pop("Id")
    return _answer({"Data": {"VerificationReport": item},
                    "Links": {"Self": request.base_url}, "Meta": {}})


@uk.post("/name-verifications/bulk")
@require_token(**CHECKS, limit=bulk_limit)
@uk.doc(requestBody={"required": True, "content": {"application/json": {
    "schema": schemas.OBBulkRequest}}}, parameters=[signed_messages.PARAMETER])
@uk.response(200, schemas.OBBulkResponse, headers=signed_messages.RESPONSE_HEADER)
@uk.alt_response(202, schema=schemas.BulkJobResponse,
                 description="More than COP_BULK_SYNC_MAX items: a job; poll Links.Self")
@uk.alt_response(400, response="BAD_REQUEST", description="OB `Errors[]` per item and field")
@uk.alt_response(413, response="PAYLOAD_TOO_LARGE", description="More than COP_BULK_MAX items")
def verify_names_in_bulk():
    """Confirm up to 10,000 payees in one answer; larger batches become a job to poll."""
    signed_messages.verify_request()
    body = _body()
    data = body.get("Data") if isinstance(body.get("Data"), dict) else {}
    checks, problems = bulk.uk_items(data.get("Items"))
    unknown = {**_unknown_members(body, {"Data"}),
               **({"Data": _unknown_members(data, {"Items"})} if set(data) - {"Items"} else {})}
    if problems or unknown:
        raise ObError("Some items did not validate.",
                      ob_field_errors({**unknown, "Data": {**unknown.get("Data", {}),
                                                           "Items": problems}}
                                      if problems else unknown))
    return _bulk_answer("UK", checks, lambda reports: {
        "Data": {"VerificationReports": [service.uk_item(c.ref, r)
                                         for c, r in zip(checks, reports, strict=True)]},
        "Links": {"Self": request.base_url}, "Meta": {"TotalItems": len(checks)}})


@uk.get("/bulk-jobs/<job_id>")
@require_token(**CHECKS)
@uk.response(200, schemas.BulkJobResponse)
@uk.alt_response(404, response="NOT_FOUND", description="No such job for this client")
def bulk_job(job_id: str):
    """The state of a bulk job and, once done, its results (UK or EU shape).

    A job whose worker restarted or died before finishing it (its lease ran out) is started
    again by this poll.
    """
    session, client_id = db_session(), current_access().client_id
    job = service.get_job(session, client_id, job_id)
    if service.job_orphaned(job):
        log.warning("bulk_job_resumed", job_id=job.id, status=job.status)
        _start_job(job.id)
        job = service.get_job(session, client_id, job_id)
    data = {"JobId": job.id, "Status": job.status, "TotalItems": job.total,
            "CreationDateTime": job.created_at.isoformat(),
            "CompletionDateTime": job.finished_at.isoformat() if job.finished_at else None}
    if job.status == "done":
        data["VerificationReports"] = job.results
    return _answer({"Data": data, "Links": {"Self": request.base_url}})


def _start_job(job_id: str) -> None:
    factory, cop = current_app.extensions["session_factory"], adapters()
    cop.run_in_background(lambda: service.run_job(factory, job_id, cop))


def _batch_size_error(scheme: str, detail: str, status: int = 400):
    if scheme == "EU":
        error = format_error(detail)
        error.status = status
        return error
    return ObError(detail, [{"ErrorCode": "UK.OBIE.Field.Invalid", "Message": detail,
                             "Path": "Data.Items"}], status=status)


def _bulk_answer(scheme: str, checks, shape):
    if not checks:
        raise _batch_size_error(scheme, "Give at least one item.")
    if len(checks) > _config("COP_BULK_MAX"):
        raise _batch_size_error(scheme, f"At most {_config('COP_BULK_MAX')} items per batch.",
                                413)
    client_id = current_access().client_id
    if len(checks) > _config("COP_BULK_SYNC_MAX"):
        job = service.submit_job(db_session(), client_id, scheme, checks,
                                 adapters().job_lease_seconds)
        _start_job(job.id)
        location = url_for("cop.bulk_job", job_id=job.id, _external=False)
        return _answer({"Data": {"JobId": job.id, "Status": "pending",
                                 "TotalItems": job.total},
                        "Links": {"Self": location}}, 202, {"Location": location})
    run = service.check_uk_bulk if scheme == "UK" else service.check_eu_bulk
    reports = run(db_session(), client_id, checks, adapters(), g.get("interaction_id"))
    return _answer(shape(reports))


# --- EU -------------------------------------------------------------------------------------

@eu.post("/payee-verifications")
@require_token(**CHECKS, limit=check_limit)
@eu.doc(requestBody={"required": True, "content": {"application/json": {
    "schema": schemas.VopRequest, "example": demo.EU_EXAMPLE}}}, parameters=[
        {"in": "header", "name": "X-Request-ID", "required": True,
         "schema": {"type": "string", "format": "uuid"}, "example": demo.EXAMPLE_REQUEST_ID},
        {"in": "header", "name": "X-Request-Timestamp", "required": True,
         "schema": {"type": "string", "format": "date-time"},
         "description": "Within COP_TIMESTAMP_SKEW_SECONDS of our clock; the portal's console "
                        "sends the time of the call in place of the example",
         "example": demo.EXAMPLE_TIMESTAMP}])
@eu.response(200, schemas.VopResponse)
@eu.alt_response(400, response="BAD_REQUEST",
                 description="EPC `code`: FORMAT_ERROR or TIMESTAMP_INVALID")
@eu.alt_response(403, response="FORBIDDEN", description="EPC `code`: CLIENT_INVALID (the "
                 "requestingAgent BIC is not registered) or CLIENT_INCONSISTENT (it is "
                 "another client's)")
@eu.alt_response(429, response="TOO_MANY_REQUESTS", description="Per-TPP limit; Retry-After")
def verify_payee():
    """Verify a payee's name (or organisation id) against an IBAN: MTCH, CMTC, NMTC, NOAP.

    Errors are problem+json with the EPC `code`: `FORMAT_ERROR` or `TIMESTAMP_INVALID` (400);
    `CLIENT_INVALID` (the requestingAgent BIC is not a registered requesting PSP) or
    `CLIENT_INCONSISTENT` (it is registered to another client) (403).
    """
    request_id = _vop_headers()
    check, errors = bulk.eu_item(_body())
    if errors:
        raise format_error("The request did not validate.", errors)
    _requesting_agents_are_the_caller([check], batch=False)
    result = service.check_eu(db_session(), current_access().client_id, check, adapters(),
                              request_id)
    item = service.eu_item(None, result)
    item.pop("id")
    return _answer(item)


@eu.post("/payee-verifications/bulk")
@require_token(**CHECKS, limit=bulk_limit)
@eu.doc(requestBody={"required": True, "content": {"application/json": {
    "schema": schemas.VopBulkRequest}}})
@eu.response(200, schemas.VopBulkResponse)
@eu.alt_response(202, schema=schemas.BulkJobResponse,
                 description="More than COP_BULK_SYNC_MAX items: a job; poll Links.Self")
@eu.alt_response(400, response="BAD_REQUEST", description="EPC FORMAT_ERROR per item")
@eu.alt_response(403, response="FORBIDDEN",
                 description="EPC CLIENT_INVALID or CLIENT_INCONSISTENT, naming the items")
@eu.alt_response(413, response="PAYLOAD_TOO_LARGE", description="More than COP_BULK_MAX items")
def verify_payees_in_bulk():
    """Verify up to 10,000 payees (a payer's batch, PSU to PSP) in one answer.

    Errors carry the EPC `code` as for one payee, and `errors.requests` names the items.
    """
    _vop_headers()
    body = _body()
    checks, problems = bulk.eu_items(body.get("requests"))
    unknown = _unknown_members(body, {"requests"})
    if problems or unknown:
        raise format_error("Some items did not validate.",
                           {**unknown, **({"requests": problems} if problems else {})})
    _requesting_agents_are_the_caller(checks, batch=True)
    return _bulk_answer("EU", checks, lambda results: {"results": [
        service.eu_item(c.ref, r) for c, r in zip(checks, results, strict=True)]})


def _requesting_agents_are_the_caller(checks, *, batch: bool) -> None:
    """Every `requestingAgent` must be a BIC registered to the calling client (see
    cop/participants.py); the first refusal's code answers, with every refused item named."""
    refused = current_app.extensions["cop_participants"].refused(
        [c.requesting_agent for c in checks], current_access().client_id)
    if not refused:
        return
    code = next(iter(refused.values()))
    errors = {"requests": {i: {"requestingAgent": [c]} for i, c in refused.items()}}
    raise client_refused(code, REFUSAL_DETAIL[code], errors if batch else None)


# --- directory (role ASPSP) -----------------------------------------------------------------

@dirs.post("/accounts")
@require_token(**DIRECTORY)
@dirs.doc(requestBody={"required": True, "content": {"application/json": {
    "schema": schemas.DirectoryUpsertRequest}}})
@dirs.response(200, schemas.DirectoryUpsertResponse)
@dirs.alt_response(400, response="BAD_REQUEST", description="OB `Errors[]` name each field")
@dirs.alt_response(403, response="FORBIDDEN", description="This client maintains no bank")
def upsert_accounts():
    """Create or update accounts of the caller's banks; refused rows are listed with why."""
    accounts = _load_ob(schemas.DirectoryUpsertRequest(), _body())["Data"]["Accounts"]
    summary = directory.upsert_from_api(db_session(), current_access().client_id,
                                        [schemas.directory_row(a) for a in accounts])
    return _answer({"Data": {"Created": summary.created, "Updated": summary.updated,
                             "Rejected": [{"Index": i, "Reason": r}
                                          for i, r in summary.rejected]}})


@dirs.delete("/accounts/<identification>")
@require_token(**DIRECTORY)
@dirs.response(204)
@dirs.alt_response(404, response="NOT_FOUND", description="No such account at your banks")
def delete_account(identification: str):
    """Remove an account (14-digit sort code and account number, or IBAN)."""
    directory.delete_account(db_session(), current_access().client_id, identification)
    return current_app.response_class(status=204)
