"""UK Confirmation of Payee over HTTP: one name, a batch, and the bulk jobs larger batches
become (polled here for both schemes).

Callers hold a client-credentials token bound by DPoP or mTLS, with role COP (scope
`payee-checks`). Every answer, errors included, carries this service's `x-jws-signature`.
"""

from __future__ import annotations

from flask import g, request
from flask_smorest import Blueprint

from auth.resource import current_access, require_token
from cop import bulk, demo, jobs, schemas, service, signed_messages, web
from cop.errors import ObError, ob_field_errors
from core.logging import get_logger
from core.web import db_session, json_only

log = get_logger("cop.jobs")

uk = Blueprint("cop", __name__, url_prefix="/cop/v1",
               description="UK Confirmation of Payee (OB-style Data envelope)")
json_only(uk)
uk.after_request(signed_messages.sign_answer)


@uk.post("/name-verifications")
@require_token(**web.CHECKS, limit=web.check_limit)
@uk.doc(requestBody={"required": True, "content": {"application/json": {
    "schema": schemas.OBNameVerificationRequest, "example": demo.UK_EXAMPLE}}},
        parameters=[signed_messages.PARAMETER])
@uk.response(200, schemas.OBNameVerificationResponse, headers=signed_messages.RESPONSE_HEADER)
@uk.alt_response(400, response="BAD_REQUEST", description="OB `Errors[]` name each field")
@uk.alt_response(429, response="TOO_MANY_REQUESTS", description="Per-TPP limit; Retry-After")
def verify_name():
    """Confirm a payee's name for a UK sort code and account number."""
    signed_messages.verify_request()
    sent = web.body()
    check, errors = bulk.uk_item(sent.get("Data"))
    errors = {"Data": errors} if "Data" in sent else {"Data": [bulk.REQUIRED]}
    errors.update(web.unknown_members(sent, {"Data"}))
    if check is None or len(errors) > 1:
        raise ObError("The request did not validate.", ob_field_errors(errors))
    report = service.check_payee(db_session(), current_access().client_id, service.UK, check,
                                 web.adapters(), g.get("interaction_id"))
    item = service.uk_item(None, report)
    item.pop("Id")
    return web.answer({"Data": {"VerificationReport": item},
                       "Links": {"Self": request.base_url}, "Meta": {}})


@uk.post("/name-verifications/bulk")
@require_token(**web.CHECKS, limit=web.bulk_limit)
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
    sent = web.body()
    data = sent.get("Data") if isinstance(sent.get("Data"), dict) else {}
    checks, problems = bulk.batch_items(data.get("Items"), "UK")
    unknown = web.unknown_members(sent, {"Data"})
    if set(data) - {"Items"}:
        unknown["Data"] = web.unknown_members(data, {"Items"})
    if problems or unknown:
        raise ObError("Some items did not validate.",
                      ob_field_errors({**unknown, "Data": {**unknown.get("Data", {}),
                                                           "Items": problems}}
                                      if problems else unknown))
    return web.batch_answer(service.UK, checks, lambda reports: {
        "Data": {"VerificationReports": [service.uk_item(c.ref, r)
                                         for c, r in zip(checks, reports, strict=True)]},
        "Links": {"Self": request.base_url}, "Meta": {"TotalItems": len(checks)}})


@uk.get("/bulk-jobs/<job_id>")
@require_token(**web.CHECKS)
@uk.response(200, schemas.BulkJobResponse)
@uk.alt_response(404, response="NOT_FOUND", description="No such job for this client")
def bulk_job(job_id: str):
    """The state of a bulk job and, once done, its results (UK or EU shape).

    A job whose worker restarted or died before finishing it (its lease ran out) is started
    again by this poll.
    """
    session, client_id = db_session(), current_access().client_id
    job = jobs.get_job(session, client_id, job_id)
    if jobs.job_orphaned(job):
        log.warning("bulk_job_resumed", job_id=job.id, status=job.status)
        web.start_job(job.id)
        job = jobs.get_job(session, client_id, job_id)
    results = jobs.job_results(session, job.id) if job.status == "done" else None
    return web.job_answer(job, results)
