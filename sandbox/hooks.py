"""Applies a sandbox bank's fault switches to its requests (see faults.py)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

from flask import Blueprint, Response, jsonify, request

from sandbox.faults import garble
from sandbox.state import BankState

UNFAULTED = ("authorize", "authorize_decision", "sca_page", "sca_decision")
LISTINGS = ("account_transactions", "bg_transactions")  # paged: `from_page` counts their pages

ErrorRenderer = Callable[[int], Response]


def register(bp: Blueprint, state: BankState, render_error: ErrorRenderer) -> None:
    chance = random.Random()

    def faultable() -> bool:
        rule = request.url_rule.rule if request.url_rule else ""
        endpoint = (request.endpoint or "").rsplit(".", 1)[-1]
        if not rule or "/admin/" in rule or endpoint in UNFAULTED:
            return False
        from_page = state.faults.from_page
        return not from_page or (endpoint in LISTINGS and listing_page() >= from_page)

    @bp.before_request
    def inject_faults():
        if not faultable():
            return None
        faults, release = state.faults, state.release
        if faults.latency_ms:
            release.wait(faults.latency_ms / 1000)
        if faults.timeout:
            release.wait(faults.hang_seconds)
        if faults.status_5xx:
            return render_error(faults.status_5xx)
        if faults.rate_limit:
            response = render_error(429)
            response.headers["Retry-After"] = str(faults.retry_after)
            return response
        if faults.error_rate and chance.random() < faults.error_rate:
            return render_error(500)
        return None

    @bp.after_request
    def finish(response: Response) -> Response:
        sent = request.headers.get("x-fapi-interaction-id")
        response.headers["x-fapi-interaction-id"] = sent or str(uuid.uuid4())
        faults = state.faults
        if faults.garbles and faultable() and response.mimetype == "application/json":
            body, content_type = garble(response.get_data(), faults)
            response.set_data(body)
            if content_type:
                response.headers["Content-Type"] = content_type
        return response


def listing_page() -> int:
    """The page of a transaction listing asked for, from 1 (OB `page`, Berlin Group
    `pageIndex` from 0); a malformed one is the first (the endpoint refuses it anyway)."""
    ob, bg = request.args.get("page", "1"), request.args.get("pageIndex", "0")
    if "pageIndex" in request.args:
        return int(bg) + 1 if bg.isdigit() else 1
    return int(ob) if ob.isdigit() else 1


def ob_error_renderer(status: int) -> Response:
    if status == 429:
        return Response(status=429)
    response = jsonify({"Errors": [{"ErrorCode": "U000",
                                    "Message": "The bank could not answer this request."}]})
    response.status_code = status
    return response


def bg_error_renderer(status: int) -> Response:
    code = "ACCESS_EXCEEDED" if status == 429 else "SERVICE_UNAVAILABLE"
    response = jsonify({"tppMessages": [{"category": "ERROR", "code": code,
                                         "text": "The bank could not answer this request."}]})
    response.status_code = status
    return response
