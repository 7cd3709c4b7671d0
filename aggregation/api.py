"""UK Open Banking v4.0 account information across every bank of a consent, for TPPs with the
AISP role and a PSU-authorised (DPoP- or mTLS-bound) token with scope `accounts`.

Views are thin: who is calling, one service call, the OB document. The service object is built
once per app by `init_app` (see `aggregation.wiring`).
"""

from __future__ import annotations

from typing import Any

import redis
from flask import current_app, g, jsonify, request
from flask_smorest import Blueprint

from aggregation import ob_wire, schemas
from aggregation.service import Aggregate, Aggregator, Caller
from auth.resource import current_access, require_token
from core.apidoc import OB_HEADERS, OBErrorResponse1
from core.errors import Forbidden, Problem, ServiceUnavailable
from core.web import db_session, open_banking_api

BASE_PATH = "/open-banking/v4.0/aisp"
blp = Blueprint("aggregation", __name__, url_prefix=BASE_PATH,
                description="Accounts and balances across banks (UK Open Banking v4.0)")
open_banking_api(blp)
PSU = {"scope": "accounts", "roles": ("AISP",), "psu": True}
CUSTOMER_IP = "x-fapi-customer-ip-address"
INCLUDE = "include"
AGGREGATION = "aggregation"
HEADERS = [{"in": "header", "name": CUSTOMER_IP, "schema": {"type": "string"},
            "description": "The PSU's IP address when the PSU is present. Without it the "
            "read is unattended: it counts against the bank's daily allowance (4 per account "
            "by default), past which cached balances are served (see `include`)."},
           *OB_HEADERS,
           {"in": "query", "name": INCLUDE, "schema": {"type": "string", "enum": [AGGREGATION]},
            "description": "`aggregation`: add the `Aggregation` member (per-bank status, "
            "totals per currency, PSU-present, the bank of each account). Not part of the OB "
            "schema: without it the answer is exactly OB v4.0."}]
ERRORS = {403: "Consent not AUTH (OB `U009`) or without the permission (`U008`)",
          400: "Unknown AccountId (OB `U011`), a bad FAPI header (`U006`) or `include` (`U002`)"}


def caller() -> Caller:
    access = current_access()
    if access.consent_id is None:
        raise Forbidden("This token is not bound to an account-access consent: read account "
                        "data with a token the PSU authorised.")
    return Caller(access.client_id, access.consent_id,
                  request.headers.get(CUSTOMER_IP) or None, g.get("interaction_id"))


def aggregator() -> Aggregator:
    return current_app.extensions["aggregation"]


def read(**kwargs) -> Aggregate:
    """The aggregated read for this request's caller. The service steps around a Redis it
    cannot reach; a Redis error that still escapes is a 503, so the TPP retries."""
    try:
        return aggregator().read(db_session(), caller(), **kwargs)
    except redis.RedisError as exc:
        raise ServiceUnavailable("The cache is unavailable; retry shortly.",
                                 headers={"Retry-After": "5"}) from exc


def documents_ob_errors(view):
    """The error answers every OB read documents, as OBErrorResponse1."""
    view = blp.alt_response(400, schema=OBErrorResponse1, description=ERRORS[400])(view)
    view = blp.alt_response(403, schema=OBErrorResponse1, description=ERRORS[403])(view)
    return blp.alt_response(406, schema=OBErrorResponse1,
                            description="Accept admits no application/json")(view)


def ob_read(schema):
    """What every OB read declares: a PSU-authorised token, the FAPI headers, the OB document
    it answers with and the OB error answers."""
    def decorate(view):
        view = documents_ob_errors(view)
        view = blp.response(200, schema)(view)
        view = blp.doc(parameters=HEADERS)(view)
        return require_token(**PSU)(view)
    return decorate


class RenderedAnswers:
    """Answers rendered from the consent snapshot and the cache alone, kept by their version
    (`Aggregate.version`: the raw snapshot and cache values they came from) and shape, so a
    TPP polling a consent whose data has not changed is served the bytes rendered the first
    time. Every such read is still authenticated, checked against the consent and audited;
    only building the OB document and encoding it are skipped. A write to the consent's cache
    or snapshot changes the version, so the next read renders afresh; each worker keeps at
    most `limit` answers."""

    def __init__(self, limit: int = 512) -> None:
        self.limit = limit
        self._bytes: dict[tuple, bytes] = {}

    def response(self, result: Aggregate, render, shape: dict[str, Any]):
        if result.version is None:
            return jsonify(render(result, **shape))
        key = (result.version, render, *shape.values())
        body = self._bytes.get(key)
        if body is None:
            body = jsonify(render(result, **shape)).get_data()
            if len(self._bytes) >= self.limit:
                self._bytes.clear()
            self._bytes[key] = body
        return current_app.response_class(body, mimetype=current_app.json.mimetype)


def answer(render, **read_args):
    """The OB document `render` builds from this request's aggregated read."""
    extras = wants_extras()
    rendered = current_app.extensions.setdefault("aggregation_answers", RenderedAnswers())
    return rendered.response(read(**read_args), render, shaping(extras))


@blp.get("/accounts")
@ob_read(schemas.OBReadAccount6)
def list_accounts():
    """Every account the consent covers, at every bank, in one answer."""
    return answer(ob_wire.accounts_document, balances=False)


@blp.get("/accounts/<AccountId>")
@ob_read(schemas.OBReadAccount6)
def get_account(AccountId: str):
    """One account, by our AccountId (an unknown one: 400 with `U011`)."""
    return answer(ob_wire.accounts_document, balances=False, account_id=AccountId)


@blp.get("/accounts/<AccountId>/balances")
@ob_read(schemas.OBReadBalance1)
def account_balances(AccountId: str):
    """One account's balances."""
    return answer(ob_wire.balances_document, balances=True, account_id=AccountId)


@blp.get("/balances")
@ob_read(schemas.OBReadBalance1)
def all_balances():
    """Balances of every consented account at every bank in one answer. A bank that fails
    never fails the request; `include=aggregation` says, per bank, where its data came from
    and why, and sums the available balances per currency (credit lines apart)."""
    return answer(ob_wire.balances_document, balances=True)


def wants_extras() -> bool:
    value = request.args.get(INCLUDE)
    if value is None:
        return False
    if value != AGGREGATION:
        raise Problem(f"include: only {AGGREGATION!r} is known.", Errors=[{
            "ErrorCode": "U002", "Message": f"Only {AGGREGATION!r} is known", "Path": INCLUDE}])
    return True


def shaping(extras: bool) -> dict[str, Any]:
    """What the OB documents need from the request: their Self link, and for the
    `Aggregation` member whether the PSU is present."""
    return {"self_url": current_app.config["ISSUER"] + request.path, "extras": extras,
            "psu_present": bool(request.headers.get(CUSTOMER_IP))}
