"""Applies a sandbox bank's fault switches to its requests (see faults.py)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable

from flask import Blueprint, Response, jsonify, request

from sandbox.faults import garble
from sandbox.state import BankState

UNFAULTED = ("authorize", "authorize_decision")

ErrorRenderer = Callable[[int], Response]


def register(bp: Blueprint, state: BankState, render_error: ErrorRenderer) -> None:
    chance = random.Random()

    def faultable() -> bool:
        rule = request.url_rule.rule if request.url_rule else ""
        endpoint = (request.endpoint or "").rsplit(".", 1)[-1]
        return bool(rule) and "/admin/" not in rule and endpoint not in UNFAULTED

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
