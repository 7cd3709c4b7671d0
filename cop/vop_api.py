"""EU Verification of Payee over HTTP, in the shapes and error codes of the EPC inter-PSP API:
one payee, or a payer's batch.

Callers hold a client-credentials token bound by DPoP or mTLS, with role COP (scope
`payee-checks`), and name themselves as `requestingAgent` by a BIC registered to them
(cop/participants.py). Requests carry `X-Request-ID` and `X-Request-Timestamp`; answers echo
the one and carry `X-Response-Timestamp`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from flask import current_app, g, request
from flask_smorest import Blueprint

from auth.resource import current_access, require_token
from cop import bulk, demo, schemas, service, web
from cop.errors import client_refused, format_error, timestamp_invalid
from cop.participants import REFUSAL_DETAIL
from core.web import db_session, json_only

eu = Blueprint("vop", __name__, url_prefix="/vop/v1",
               description="EU Verification of Payee (EPC inter-PSP API shapes)")
json_only(eu)


def _vop_headers() -> str:
    """X-Request-ID (a UUID) and X-Request-Timestamp, as the EPC API requires them."""
    request_id = request.headers.get("X-Request-ID", "")
    try:
        request_id = str(uuid.UUID(request_id))
    except ValueError:
        raise format_error("X-Request-ID must be a UUID.") from None
    g.vop_request_id = request_id
    problem = schemas.request_timestamp_problem(
        request.headers.get("X-Request-Timestamp"), dt.datetime.now(dt.UTC),
        web.settings().timestamp_skew)
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


@eu.post("/payee-verifications")
@require_token(**web.CHECKS, limit=web.check_limit)
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
    check, errors = bulk.eu_item(web.body())
    if errors:
        raise format_error("The request did not validate.", errors)
    _requesting_agents_are_the_caller([check], batch=False)
    result = service.check_payee(db_session(), current_access().client_id, service.EU, check,
                                 web.adapters(), request_id)
    item = service.eu_item(None, result)
    item.pop("id")
    return web.answer(item)


@eu.post("/payee-verifications/bulk")
@require_token(**web.CHECKS, limit=web.bulk_limit)
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
    sent = web.body()
    checks, problems = bulk.batch_items(sent.get("requests"), "EU")
    unknown = web.unknown_members(sent, {"requests"})
    if problems or unknown:
        raise format_error("Some items did not validate.",
                           {**unknown, **({"requests": problems} if problems else {})})
    _requesting_agents_are_the_caller(checks, batch=True)
    return web.batch_answer(service.EU, checks, lambda results: {"results": [
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
