"""What the payee-check views share: their settings, scopes and limits, reading the body,
answering, and turning a batch into an answer or a bulk job.

Check requests are parsed by `cop/bulk.py`, not by `@blp.arguments`: each scheme refuses a bad
request in its own error shape (OB `Errors[]`, EPC `FORMAT_ERROR`) with status 400, and
marshmallow would take a large part of a 10,000-item batch's one-second budget. Check answers
are built by hand and sent by `answer`, not dumped through their response schemas: dumping a
UK report costs about 40 µs, a percent of a single check's server time. The schemas stay the
documented contract; the conformance tests hold the answers to the schemes' JSON schemas.
Answers off the check path (job polls, the directory) are dumped by their schemas.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, jsonify, request, url_for

from auth.resource import current_access
from cop import jobs, service
from cop.bulk import UNKNOWN
from cop.errors import ObError, format_error
from core.logging import get_logger
from core.web import db_session

log = get_logger("cop.jobs")

CHECKS = {"scope": "payee-checks", "roles": ("COP",)}
DIRECTORY = {"scope": "payee-directory", "roles": ("ASPSP",)}


@dataclass(frozen=True)
class WebSettings:
    """The settings the views apply, read from app.config once, in init_app."""

    check_limit: str
    bulk_limit: str
    bulk_sync_max: int
    bulk_max: int
    timestamp_skew: dt.timedelta
    jws_issuer: str  # `…/iss` of our answers' signatures
    jws_trust_anchor: str  # `…/tan` of our answers' signatures
    jws_trust_anchors: frozenset[str]  # `…/tan` values accepted on requests, ours included
    jws_max_age_seconds: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> WebSettings:
        issuer = config["ISSUER"]
        tan = config["COP_JWS_TAN"] or urlsplit(issuer).hostname or issuer
        anchors = {a.strip() for a in config["COP_JWS_TRUST_ANCHORS"].split(",") if a.strip()}
        return cls(
            check_limit=config["COP_RATE_LIMIT"],
            bulk_limit=config["COP_BULK_RATE_LIMIT"],
            bulk_sync_max=config["COP_BULK_SYNC_MAX"],
            bulk_max=config["COP_BULK_MAX"],
            timestamp_skew=dt.timedelta(seconds=config["COP_TIMESTAMP_SKEW_SECONDS"]),
            jws_issuer=config["COP_JWS_ISS"] or issuer,
            jws_trust_anchor=tan,
            jws_trust_anchors=frozenset(anchors | {tan}),
            jws_max_age_seconds=config["COP_JWS_MAX_AGE_SECONDS"],
        )


def settings() -> WebSettings:
    return current_app.extensions["cop_web"]


def check_limit() -> str:
    return settings().check_limit


def bulk_limit() -> str:
    return settings().bulk_limit


def adapters() -> service.CopAdapters:
    return current_app.extensions["cop"]


def body() -> dict:
    """The JSON object sent; anything else reads as an empty object, refused member by
    member by the scheme's own validation."""
    sent = request.get_json(silent=True)
    return sent if isinstance(sent, dict) else {}


def unknown_members(sent: dict, allowed: set[str]) -> dict[str, list[str]]:
    """The scheme schemas admit no other members: each one is named as an error."""
    return {key: [UNKNOWN] for key in sorted(set(sent) - allowed)}


def answer(content: dict, status: int = 200, headers: dict | None = None):
    response = jsonify(content)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def start_job(job_id: str, checks: Sequence[Any] | None = None) -> None:
    """Run the job in the background; `checks`, when the caller holds them, spare the run
    reading them back from the job."""
    factory, cop = current_app.extensions["session_factory"], adapters()
    cop.run_in_background(lambda: jobs.run_job(factory, job_id, cop, checks=checks))


def job_answer(job: Any, results: str | None):
    """A job poll's answer, as `BulkJobResponse` documents it, with a finished job's stored
    results (JSON text) set into it as they are: dumping 100,000 results through the
    schema and the JSON encoder cost more than checking them."""
    data = {"JobId": job.id, "Status": job.status, "TotalItems": job.total,
            "CreationDateTime": _iso(job.created_at),
            "CompletionDateTime": _iso(job.finished_at)}
    envelope = json.dumps({"Data": data, "Links": {"Self": request.base_url}})
    if results is not None:
        head, tail = envelope.split(', "Links": ', 1)
        envelope = f'{head[:-1]}, "VerificationReports": {results}}}, "Links": {tail}'
    return current_app.response_class(envelope, mimetype="application/json")


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _batch_size_error(scheme: service.Scheme, detail: str, status: int = 400):
    if scheme is service.EU:
        error = format_error(detail)
        error.status = status
        return error
    return ObError(detail, [{"ErrorCode": "UK.OBIE.Field.Invalid", "Message": detail,
                             "Path": "Data.Items"}], status=status)


def batch_answer(scheme: service.Scheme, checks: Sequence[Any],
                 shape: Callable[[list[Any]], dict]):
    """A checked batch answered by `shape(reports)`, or, above COP_BULK_SYNC_MAX items, a
    job started and answered 202 with where to poll it."""
    limits = settings()
    if not checks:
        raise _batch_size_error(scheme, "Give at least one item.")
    if len(checks) > limits.bulk_max:
        raise _batch_size_error(scheme, f"At most {limits.bulk_max} items per batch.", 413)
    client_id = current_access().client_id
    if len(checks) > limits.bulk_sync_max:
        job = jobs.submit_job(db_session(), client_id, scheme, checks,
                              adapters().job_lease_seconds)
        start_job(job.id, checks)
        location = url_for("cop.bulk_job", job_id=job.id, _external=False)
        return answer({"Data": {"JobId": job.id, "Status": "pending", "TotalItems": job.total},
                       "Links": {"Self": location}}, 202, {"Location": location})
    reports = service.check_payees(db_session(), client_id, scheme, checks, adapters(),
                                   g.get("interaction_id"))
    return answer(shape(reports))
