"""The web edge: the one error path (problem+json, or the API family's dialect), interaction
ids, a database session per request, and the checks JSON and Open Banking blueprints put in
front of their views. The OpenAPI side of the same edge is `core.apidoc`.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
import uuid
from typing import Any

import psycopg
import structlog
from flask import current_app, g, request
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from core import dialects
from core.dialects import ErrorInfo
from core.errors import PROBLEM_BASE, PROBLEM_TYPES, STATUS_TO_SLUG, Problem, problem_type
from core.logging import get_logger
from core.ratelimit import headers_of

INTERACTION_HEADER = "x-fapi-interaction-id"
INTERACTION_ENVIRON = "HTTP_X_FAPI_INTERACTION_ID"
# Set on every answer unless the view chose otherwise.
DEFAULT_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Cache-Control", "no-store"))
KEPT_HEADERS = ("allow", "www-authenticate", "retry-after", "dpop-nonce", "location")

LOGGER_NAME = "core.web"
log = get_logger(LOGGER_NAME)

# The payee check's fast path talks to psycopg directly (core.db.driver_connection), so the
# driver's own errors mean the same as SQLAlchemy's wrappers of them.
DB_UNAVAILABLE = (OperationalError, InterfaceError, psycopg.OperationalError,
                  psycopg.InterfaceError)

def problem_response(body: dict[str, Any], status: int, headers: dict[str, str] | None = None):
    """Renders a problem given as an RFC 9457 body, in the dialect of the request's API."""
    body = dict(body)
    slug = str(body.pop("type", "")).removeprefix(PROBLEM_BASE) or STATUS_TO_SLUG.get(
        status, "http-error")
    body.pop("status", None)
    title = body.pop("title", "") or _title(slug, status)
    detail = body.pop("detail", "")
    return dialects.render(ErrorInfo(status, slug, title, detail, dict(headers or {}), body))


def render_problem(problem: Problem):
    return dialects.render(ErrorInfo(problem.status, problem.slug, problem.title,
                                     problem.detail, dict(problem.headers),
                                     dict(problem.extra)))


def _title(slug: str, status: int) -> str:
    return PROBLEM_TYPES[slug][1] if slug in PROBLEM_TYPES else dialects.phrase(status)


def render_http_exception(error: HTTPException):
    status = error.code or 500
    slug = STATUS_TO_SLUG.get(status, "http-error")
    title = PROBLEM_TYPES[slug][1] if slug in PROBLEM_TYPES else error.name
    extra: dict[str, Any] = {}
    data = getattr(error, "data", None) or {}
    messages = data.get("errors") or data.get("messages")
    if messages:
        extra["errors"] = messages
        detail = "The request did not validate; see errors for each field."
    elif data.get("message"):
        detail = data["message"]
    elif status == 500:
        detail = "The server failed to answer this request. Quote the interaction id."
    else:
        detail = error.description or title
    headers = {k: v for k, v in error.get_headers() if k.lower() in KEPT_HEADERS}
    headers.update(data.get("headers") or {})
    if status == 429 and "Retry-After" not in headers:
        headers["Retry-After"] = str(_retry_after_from_limiter(error))
    return dialects.render(ErrorInfo(status, slug, title, detail, headers, extra))


def _retry_after_from_limiter(error: HTTPException) -> int:
    limit = getattr(error, "limit", None)
    try:
        return max(1, int(limit.limit.get_expiry())) if limit else 1
    except Exception:  # noqa: BLE001 - a best-effort hint only
        return 1


def db_session() -> Session:
    """The request's database session, opened on first use and closed at teardown."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["session_factory"]()
    return g.db_session


def _valid_interaction_id(value: str | None) -> bool:
    if not value or len(value) > 64:
        return False
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def interaction_id_for(environ) -> str:
    """The caller's x-fapi-interaction-id when it is a UUID, else a new one."""
    sent = environ.get(INTERACTION_ENVIRON)
    return sent if _valid_interaction_id(sent) else str(uuid.uuid4())


def init_request_hooks(app) -> None:
    # These two hooks run on every request: each reaches `g` and `request` once (a context
    # proxy costs microseconds per attribute), and the request log line is built only when
    # INFO is logged.
    request_log = logging.getLogger(LOGGER_NAME)

    @app.before_request
    def _start():
        ctx = g._get_current_object()
        ctx.started = time.perf_counter()
        environ = request.environ
        ctx.interaction_id = interaction_id = interaction_id_for(environ)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(interaction_id=interaction_id)
        # A body over the limit is refused before authentication and before any view reads
        # it, so every API answers the same 413 in its own dialect.
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit and environ.get("CONTENT_LENGTH") and (request.content_length or 0) > limit:
            raise RequestEntityTooLarge()

    @app.after_request
    def _finish(response):
        ctx, sent = g._get_current_object(), request._get_current_object()
        headers, status = response.headers, response.status_code
        present = {name.lower() for name, _ in headers}  # one pass, not one per header
        if status < 400 and "retry-after" in present and \
                not getattr(ctx, "retry_after_advised", False):
            # flask-limiter stamps Retry-After on every response; it only means something on
            # 429 and 503, and on a success it tells well-behaved clients to back off. A view
            # advising when to ask again (a status still in progress) sets
            # g.retry_after_advised, and its Retry-After stays.
            del headers["Retry-After"]
        stamped = {INTERACTION_HEADER: getattr(ctx, "interaction_id", None)
                   or str(uuid.uuid4())}
        window = getattr(ctx, "rate_window", None)
        if window is not None:
            stamped.update(headers_of(window))
        for name, value in stamped.items():
            if name.lower() in present:
                headers[name] = value
            else:
                headers.add(name, value)
        for name, value in DEFAULT_HEADERS:
            if name.lower() not in present:
                headers.add(name, value)
        started = getattr(ctx, "started", None)
        seconds = time.perf_counter() - started if started else 0.0
        rule = sent.url_rule
        endpoint = rule.rule if rule else "<unmatched>"
        app.extensions["metrics"].observe(endpoint, sent.method, status, seconds)
        if request_log.isEnabledFor(logging.INFO):
            log.info("request", method=sent.method, endpoint=endpoint, status=status,
                     duration_ms=round(seconds * 1000, 2))
        return response

    @app.teardown_request
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()

    @app.errorhandler(Problem)
    def _problem(problem: Problem):
        if problem.status >= 500:
            log.error("problem", slug=problem.slug, status=problem.status)
        return render_problem(problem)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return render_http_exception(error)
        if isinstance(error, DB_UNAVAILABLE):
            # The database restarting or failing over is an outage to retry, not our bug; the
            # transaction rolled back, so nothing was half written.
            return database_unavailable(error)
        log.exception("unhandled_error", error_type=type(error).__name__)
        body = {
            "type": problem_type("internal-error"),
            "title": "Internal server error",
            "status": 500,
            "detail": "The server failed to answer this request. Quote the interaction id.",
        }
        return problem_response(body, 500)


def database_unavailable(error: Exception):
    """The 503 problem for a database that is restarting or away (logged as one line)."""
    log.warning("database_unavailable",
                error_type=type(getattr(error, "orig", None) or error).__name__)
    return problem_response({
        "type": problem_type("service-unavailable"), "title": "Service unavailable",
        "status": 503, "detail": "The database is unavailable; retry shortly."},
        503, {"Retry-After": "2"})


JSON_MIMETYPES = ("application/json",)


def require_json_body() -> None:
    """before_request hook for JSON APIs: a body that is not JSON is a 415, not a 422, and a
    client that accepts no JSON (e.g. only application/xml) is told 406 before any work."""
    accept = request.headers.get("Accept")
    if accept and not _accepts_json(request.accept_mimetypes):
        raise Problem(f"This endpoint answers application/json only, not {accept[:80]}.",
                      slug="not-acceptable")
    if request.method in ("POST", "PUT", "PATCH") and (
        request.content_length or request.headers.get("Transfer-Encoding")
    ):
        mimetype = request.mimetype or ""
        if not (mimetype in JSON_MIMETYPES or mimetype.endswith("+json")):
            raise Problem(
                f"This endpoint takes application/json, not {mimetype or 'an untyped body'}.",
                slug="unsupported-media-type",
            )


def _accepts_json(accepted) -> bool:
    for value, quality in accepted:
        base = value.split(";", 1)[0].strip().lower()
        if quality > 0 and (base in ("*/*", "application/*", *JSON_MIMETYPES)
                            or base.endswith("+json")):
            return True
    return False


def json_only(blueprint) -> None:
    blueprint.before_request(require_json_body)


# FAPI headers a TPP sends to an Open Banking API (OB v4.0 profile): each checked, a bad one a
# 400 naming the header, never silently replaced or counted. x-fapi-auth-date is an HTTP date
# as the OB profile writes it; the OpenAPI document (core.apidoc) states the pattern too, so a
# client generated from it sends what the check accepts.
FAPI_AUTH_DATE_PATTERN = (r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|"
                          r"Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} (GMT|UTC)$")
FAPI_AUTH_DATE = re.compile(FAPI_AUTH_DATE_PATTERN)
HEADER_INVALID = "U006"  # UK.OBIE.Header.Invalid


def _header_problem(name: str, message: str) -> Problem:
    return Problem(f"{name}: {message}", slug="bad-request",
                   Errors=[{"ErrorCode": HEADER_INVALID, "Message": message, "Path": name}])


def require_fapi_headers() -> None:
    """before_request hook: x-fapi-interaction-id a UUID, x-fapi-customer-ip-address an IPv4 or
    IPv6 address, x-fapi-auth-date an HTTP date as the profile writes it."""
    sent = request.headers.get(INTERACTION_HEADER)
    if sent is not None and not _valid_interaction_id(sent):
        raise _header_problem(INTERACTION_HEADER, "Must be a UUID (RFC 4122), e.g. "
                              "93bac548-d2de-4546-b106-880a5018460d.")
    ip = request.headers.get("x-fapi-customer-ip-address")
    if ip is not None:
        try:
            ipaddress.ip_address(ip.strip())
        except ValueError:
            raise _header_problem("x-fapi-customer-ip-address",
                                  "Must be the PSU's IPv4 or IPv6 address.") from None
    auth_date = request.headers.get("x-fapi-auth-date")
    if auth_date is not None and not FAPI_AUTH_DATE.match(auth_date):
        raise _header_problem("x-fapi-auth-date", "Must be an HTTP date such as "
                              "'Sun, 10 Sep 2017 19:43:31 GMT'.")


def open_banking_api(blueprint) -> None:
    """An OB API blueprint: JSON in and out (415/406) and FAPI headers checked (400)."""
    blueprint.before_request(require_json_body)
    blueprint.before_request(require_fapi_headers)
