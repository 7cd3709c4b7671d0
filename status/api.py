"""Public, read-only status API: notices, a Statuspage-like summary, and availability figures.
No token needed: TPPs and their monitoring read these before anything else."""

from __future__ import annotations

import datetime as dt
import math
from urllib.parse import urlencode

from flask import current_app, jsonify, request
from flask_smorest import Blueprint

from core.errors import ValidationProblem
from core.web import db_session
from status import publiccache, reports, service
from status.publiccache import CACHE_CONTROL, MAX_AGE, as_of, until
from status.representation import notice_document
from status.schemas import (
    Availability,
    AvailabilityQuery,
    NoticeList,
    NoticeQuery,
    NoticeSchema,
    Summary,
)

blp = Blueprint("status", __name__, url_prefix="/status/v1",
                description="Availability: downtime notices, current status and measured "
                            "availability (public, no token)")


# The same answer for every caller, rendered once per change (status.publiccache).
VALIDATORS = {
    "ETag": {"description": "Strong validator of this answer; send it back in "
                            "`If-None-Match` to get a 304 while nothing changed.",
             "schema": {"type": "string"}},
    "Last-Modified": {"description": "When this answer last changed (HTTP date); "
                                     "`If-Modified-Since` is honoured too.",
                      "schema": {"type": "string"}},
    "Cache-Control": {"description": "`public, max-age=5`", "schema": {"type": "string"}},
}
NOT_MODIFIED = "Not modified: `If-None-Match` (else `If-Modified-Since`) matched; no body."


def runtime():
    return current_app.extensions["status"]


def base_url() -> str:
    return runtime().base_url


def page_links(path: str, query: dict, page: int, page_size: int, total: int) -> dict:
    """Self/first/prev/next/last links keeping the caller's filters."""
    last = max(1, math.ceil(total / page_size))

    def link(number: int) -> str:
        params = {k: v for k, v in query.items() if v is not None and k != "page"}
        return f"{base_url()}{path}?{urlencode({**params, 'page': number})}"

    return {"self": link(page), "first": link(1), "prev": link(page - 1) if page > 1 else None,
            "next": link(page + 1) if page < last else None, "last": link(last)}


@blp.after_request
def _cacheable(response):
    if request.method == "GET" and response.status_code == 200:
        response.headers.setdefault("Cache-Control", CACHE_CONTROL)
    return response


@blp.get("/notices")
@blp.arguments(NoticeQuery, location="query", as_kwargs=True)
@blp.response(200, NoticeList)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY",
                  description="Invalid query, or an unknown component or bank "
                              "(`unknown-component`, with the valid ids)")
def list_notices(page, page_size, **filters):
    """List notices, newest first; filter by component, bank, status, kind and time range."""
    start, end = filters.pop("from_", None), filters.pop("to", None)
    service.check_filter(runtime(), filters.get("component"), filters.get("bank"))
    items, total = service.list_notices(db_session(), start=start, end=end, page=page,
                                        page_size=page_size, **filters)
    query = {**request.args.to_dict(), "page_size": page_size}
    return {"data": [notice_document(n, base_url()) for n in items],
            "links": page_links(request.path, query, page, page_size, total),
            "meta": {"total": total, "page": page, "page_size": page_size,
                     "pages": max(1, math.ceil(total / page_size))}}


@blp.get("/notices/<notice_id>")
@blp.response(200, NoticeSchema)
@blp.alt_response(404, response="NOT_FOUND", description="No such notice")
def get_notice(notice_id: str):
    """Read one notice with its timeline of updates."""
    return notice_document(service.get_notice(db_session(), notice_id), base_url())


@blp.get("/summary")
@blp.response(200, Summary, headers=VALIDATORS)
@blp.alt_response(304, description=NOT_MODIFIED, headers=VALIDATORS)
def summary():
    """Status of every component and bank, open incidents and scheduled maintenance
    (the shape of Atlassian Statuspage's summary.json)."""
    rt = runtime()
    now = rt.now()

    def render():
        session = db_session()
        open_ = service.open_notices(session)
        # `updated_at` says when the summary last changed, not when it was asked for
        stamp = as_of(open_, now, latest_write=reports.latest_write(session))
        body = reports.summary(rt, session, stamp, open_)
        for key in ("incidents", "scheduled_maintenances"):
            body[key] = [notice_document(n, base_url()) for n in body[key]]
        return _json(Summary().dump(body)), "application/json", stamp, until(open_, now)

    return publiccache.respond(rt.public_cache.get("summary", now, render))


def _json(document: dict) -> bytes:
    """The bytes flask-smorest would send for `document`."""
    return jsonify(document).get_data()


@blp.get("/availability")
@blp.arguments(AvailabilityQuery, location="query", as_kwargs=True)
@blp.response(200, Availability, headers=VALIDATORS)
@blp.alt_response(304, description=NOT_MODIFIED, headers=VALIDATORS)
@blp.alt_response(422, response="UNPROCESSABLE_ENTITY",
                  description="Invalid period, or an unknown component or bank "
                              "(`unknown-component`, with the valid ids)")
def availability(component=None, bank=None, **period):
    """Per component and bank, per UTC day and per quarter: uptime %, planned and unplanned
    downtime, error rate and response-time percentiles (RTS Art. 32, EBA GL 2.2–2.4)."""
    rt = runtime()
    service.check_filter(rt, component, bank)
    now = rt.now()
    end = period.get("to") or now.date()
    start = period.get("from_") or end - dt.timedelta(days=89)
    if start > end or (end - start).days > 366:
        raise ValidationProblem("`from` must be before `to`, at most 367 days apart.",
                                field="from")

    def render():
        session = db_session()
        open_ = service.open_notices(session)
        # today's figures run up to now: as of the last MAX_AGE step
        stamp = as_of(open_, now, step=MAX_AGE)
        document = reports.availability_document(rt, session, start, end, stamp,
                                                 component=component, bank=bank)
        return (_json(Availability().dump(document)), "application/json", stamp,
                until(open_, now, MAX_AGE))

    key = ("availability", start, end, component, bank)
    return publiccache.respond(rt.public_cache.get(key, now, render))
