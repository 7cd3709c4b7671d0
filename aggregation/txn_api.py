"""UK Open Banking v4.0 transactions, one account's or every account's of the consent across
its banks, newest first, a page at a time (`Links.Next` carries an opaque cursor). Thin views:
the caller, one service call, the OB document."""

from __future__ import annotations

import datetime as dt

import redis
from flask import current_app, jsonify, request

from aggregation import txn_schemas, txn_wire
from aggregation.api import HEADERS, PSU, blp, caller, documents_ob_errors, wants_extras
from aggregation.model import ob_problem
from aggregation.txn_service import TimelinePage, TransactionService
from auth.resource import require_token
from core.errors import ServiceUnavailable
from core.web import db_session

FROM, TO, PAGE = "fromBookingDateTime", "toBookingDateTime", "page"
PARAMETERS = [
    *HEADERS,
    {"in": "query", "name": FROM, "schema": {"type": "string", "format": "date-time"},
     "description": "Earliest booking time (ISO 8601; without a zone: UTC). Bounded by the "
     "consent's TransactionFromDateTime and 24 months."},
    {"in": "query", "name": TO, "schema": {"type": "string", "format": "date-time"},
     "description": "Latest booking time, bounded by the consent's TransactionToDateTime."},
    {"in": "query", "name": PAGE, "schema": {"type": "string"},
     "description": "Opaque cursor from `Links.Next`/`Prev`/`Last`; it keeps the listing's "
     "window. A changed cursor is refused (400, `U002`)."}]


def ob_transactions(view):
    view = documents_ob_errors(view)
    view = blp.response(200, txn_schemas.OBReadTransaction6)(view)
    view = blp.doc(parameters=PARAMETERS)(view)
    return require_token(**PSU)(view)


def booking_time(name: str) -> dt.datetime | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ob_problem(f"{name} is not an ISO 8601 date-time.", "U003", name,
                         slug="bad-request", status=400) from None
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=dt.UTC)


def answer(account_id: str | None):
    extras = wants_extras()
    service: TransactionService = current_app.extensions["transactions"]
    try:
        page: TimelinePage = service.read(
            db_session(), caller(), account_id=account_id, booked_from=booking_time(FROM),
            booked_to=booking_time(TO), page=request.args.get(PAGE) or None)
    except redis.RedisError as exc:
        raise ServiceUnavailable("The cache is unavailable; retry shortly.",
                                 headers={"Retry-After": "5"}) from exc
    base = current_app.config["ISSUER"] + request.path
    first = {k: request.args[k] for k in (FROM, TO) if request.args.get(k)}
    return jsonify(txn_wire.transactions_document(
        page, self_url=current_app.config["ISSUER"] + request.full_path.rstrip("?"),
        base_url=base, first_query=first, extras=extras,
        psu_present=bool(caller().psu_ip)))


@blp.get("/accounts/<AccountId>/transactions")
@ob_transactions
def account_transactions(AccountId: str):
    """One account's transactions, newest first (an unknown AccountId: 400 with `U011`)."""
    return answer(AccountId)


@blp.get("/transactions")
@ob_transactions
def all_transactions():
    """Every consented account's transactions at every bank, in one timeline newest first.
    A bank that fails never fails the request: `include=aggregation` says, per bank, whether
    its history is complete, and a broken-off history resumes on the next read."""
    return answer(None)
