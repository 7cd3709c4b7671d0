"""Every error answer, in the dialect of the API family the request addressed.

TPPs validate our answers against the standards they build on: a UK Open Banking client expects
`OBErrorResponse1` and nothing else, an EPC Verification of Payee client the EPC error with its
`code`, an OAuth client RFC 6749 §5.2 JSON, everyone else RFC 9457 problem details. Domain code
raises one `Problem` (or werkzeug raises its own 404/405/413/415 before any view runs); the
family is chosen here, once, from the request path (routing errors have no blueprint), and one
renderer per family shapes the body. A new family is one prefix and one renderer.
"""

from __future__ import annotations

import datetime as dt
import http
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Response, g, json, request

from core.errors import problem_type

PROBLEM_JSON = "application/problem+json"

# Path prefix -> dialect, most specific first. The operator's payee directory under /cop/v1 is
# the service's own API, so it keeps RFC 9457.
DIALECT_BY_PREFIX: tuple[tuple[str, str], ...] = (
    ("/open-banking/", "ob"),
    ("/vop/", "epc-vop"),
    ("/cop/v1/directory", "problem"),
    ("/cop/", "cop-uk"),
    ("/token", "oauth"), ("/par", "oauth"), ("/introspect", "oauth"), ("/revoke", "oauth"),
    ("/register", "oauth"),
)


@dataclass
class ErrorInfo:
    """One error, whatever raised it: what every renderer reads."""

    status: int
    slug: str
    title: str
    detail: str
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


def dialect_for(path: str) -> str:
    for prefix, dialect in DIALECT_BY_PREFIX:
        if path == prefix.rstrip("/") or path.startswith(prefix):
            return dialect
    return "problem"


def _interaction_id() -> str | None:
    return getattr(g, "interaction_id", None)


def _json(body: dict[str, Any], status: int, mimetype: str, headers: dict[str, str]):
    response = Response(json.dumps(body), status=status, mimetype=mimetype)
    for key, value in headers.items():
        response.headers[key] = value
    return response


# -- RFC 9457 ---------------------------------------------------------------------------------
def render_problem(info: ErrorInfo) -> Response:
    body: dict[str, Any] = {"type": problem_type(info.slug), "title": info.title,
                            "status": info.status}
    if info.detail:
        body["detail"] = info.detail
    body.update(info.extra)
    body.setdefault("interaction_id", _interaction_id())
    return _json(body, info.status, PROBLEM_JSON, info.headers)


# -- UK Open Banking (OBErrorResponse1) and UK CoP --------------------------------------------
# The OB v4.0 internal code set (OBExternalStatusReason1Code) by name, so an error raised with
# a v3.1-style namespaced code still answers the 4-character code v4.0 requires.
OB_CODE_OF_NAME = {
    "UK.OBIE.Field.Expected": "U001", "UK.OBIE.Field.Invalid": "U002",
    "UK.OBIE.Field.InvalidDate": "U003", "UK.OBIE.Field.Missing": "U004",
    "UK.OBIE.Field.Unexpected": "U005", "UK.OBIE.Header.Invalid": "U006",
    "UK.OBIE.Header.Missing": "U007", "UK.OBIE.Resource.ConsentMismatch": "U008",
    "UK.OBIE.Resource.InvalidConsentStatus": "U009", "UK.OBIE.Resource.InvalidFormat": "U010",
    "UK.OBIE.Resource.NotFound": "U011", "UK.OBIE.Signature.Invalid": "U015",
    "UK.OBIE.Signature.InvalidClaim": "U016", "UK.OBIE.Signature.MissingClaim": "U017",
    "UK.OBIE.Signature.Malformed": "U018", "UK.OBIE.Signature.Missing": "U019",
    "UK.OBIE.Signature.Unexpected": "U020", "UK.OBIE.Reauthenticate": "U028",
    "UK.OBIE.Rules.ResourceAlreadyExists": "U029", "UK.OBIE.UnexpectedError": "U000",
}
OB_NAME_OF_CODE = {code: name for name, code in OB_CODE_OF_NAME.items()}
# When the error names no code: the code the status means (NARR: the reason is in Message).
OB_CODE_OF_STATUS = {400: "U002", 401: "TK01", 403: "NARR", 404: "NARR", 405: "NARR",
                     406: "U006", 409: "U029", 413: "U010", 415: "U006", 429: "NARR"}
OB_PATH_OF_STATUS = {406: "Accept", 415: "Content-Type"}
OB_ERROR_MEMBERS = ("ErrorCode", "Message", "Path", "Url")


def _clip(text: str, limit: int) -> str:
    text = text or ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field_errors(messages: dict, prefix: str = "") -> list[tuple[str, str]]:
    """webargs' nested messages (location -> field -> [text]) as (path, text) pairs."""
    out: list[tuple[str, str]] = []
    for key, value in messages.items():
        path = f"{prefix}.{key}" if prefix and prefix not in ("json", "query") else str(key)
        if isinstance(value, dict):
            out.extend(_field_errors(value, path))
        else:
            texts = value if isinstance(value, list) else [value]
            out.append((path, "; ".join(str(t) for t in texts)))
    return out


def ob_errors(info: ErrorInfo, *, namespaced: bool) -> list[dict[str, str]]:
    """`Errors[]`: the problem's own entries (only the members OBError1 has, codes in the
    family's form), else one per invalid field, else one for the status."""
    entries: list[dict[str, str]] = []
    for raw in info.extra.get("Errors") or ():
        entry = {k: _clip(str(raw[k]), 500) for k in OB_ERROR_MEMBERS if raw.get(k)}
        entry["ErrorCode"] = _code(str(raw.get("ErrorCode") or ""), info.status, namespaced)
        entry["Message"] = _clip(entry.get("Message") or info.detail or info.title, 500)
        entries.append(entry)
    if not entries and isinstance(info.extra.get("errors"), dict):
        for path, text in _field_errors(info.extra["errors"]):
            code = "U004" if "required" in text.lower() or "missing" in text.lower() else "U002"
            entries.append({"ErrorCode": _code(code, 400, namespaced),
                            "Message": _clip(text, 500), "Path": _clip(path, 500)})
    if not entries:
        entry = {"ErrorCode": _code("", info.status, namespaced),
                 "Message": _clip(info.detail or info.title, 500)}
        if info.status in OB_PATH_OF_STATUS:
            entry["Path"] = OB_PATH_OF_STATUS[info.status]
        entries.append(entry)
    return entries


def _code(given: str, status: int, namespaced: bool) -> str:
    code = OB_CODE_OF_NAME.get(given, given)
    if len(code) != 4:
        code = OB_CODE_OF_STATUS.get(status, "U000" if status >= 500 else "U002")
    return OB_NAME_OF_CODE.get(code, code) if namespaced else code


def ob_status(status: int) -> int:
    """OB answers a request it cannot accept with 400; webargs' 422 is one of those."""
    return 400 if status == 422 else status


def _ob_body(info: ErrorInfo, *, namespaced: bool) -> dict[str, Any]:
    status = ob_status(info.status)
    body: dict[str, Any] = {"Code": _clip(f"{status} {phrase(status)}", 40)}
    interaction = _interaction_id()
    if interaction:
        body["Id"] = interaction[:40]
    body["Message"] = _clip(info.detail or info.title, 500)
    body["Errors"] = ob_errors(info, namespaced=namespaced)
    return body


def phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def render_ob(info: ErrorInfo) -> Response:
    """OBErrorResponse1 exactly: Code, Id, Message, Errors[] and nothing else."""
    return _json(_ob_body(info, namespaced=False), ob_status(info.status), "application/json",
                 info.headers)


def render_cop_uk(info: ErrorInfo) -> Response:
    """Pay.UK CoP: the OB error shape with the namespaced (v3.1) codes the CoP API uses."""
    return _json(_ob_body(info, namespaced=True), ob_status(info.status), "application/json",
                 info.headers)


# -- EPC Verification of Payee ----------------------------------------------------------------
EPC_CLIENT_STATUSES = (401, 403)


def render_epc_vop(info: ErrorInfo) -> Response:
    """The EPC VoP error, RFC 7807-based (`type` a URI, so problem+json): its `code` on every
    status, and the two headers the scheme requires on every answer (the request's
    X-Request-ID echoed when it is a UUID)."""
    code = info.extra.get("code") or (
        "CLIENT_INVALID" if info.status in EPC_CLIENT_STATUSES else "FORMAT_ERROR")
    body: dict[str, Any] = {"type": problem_type(info.slug), "code": code,
                            "title": info.title, "status": info.status}
    if info.detail:
        body["detail"] = info.detail
    body.update({k: v for k, v in info.extra.items() if k not in ("code", "Errors", "Code")})
    headers = dict(info.headers)
    headers.setdefault("X-Request-ID", getattr(g, "vop_request_id", None) or _request_id())
    headers["X-Response-Timestamp"] = dt.datetime.now(dt.UTC).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")
    return _json(body, info.status, PROBLEM_JSON, headers)


def _request_id() -> str:
    sent = request.headers.get("X-Request-ID", "")
    try:
        return str(uuid.UUID(sent))
    except ValueError:
        return str(uuid.uuid4())


# -- OAuth 2.0 --------------------------------------------------------------------------------
OAUTH_ERROR_OF_STATUS = {401: "invalid_client", 403: "access_denied", 429: "slow_down",
                         503: "temporarily_unavailable"}


def render_oauth(info: ErrorInfo) -> Response:
    """RFC 6749 §5.2: `error` and `error_description`."""
    error = info.extra.get("error") or OAUTH_ERROR_OF_STATUS.get(info.status) or (
        "server_error" if info.status >= 500 else "invalid_request")
    body = {"error": error, "error_description": info.detail or info.title}
    return _json(body, info.status, "application/json", info.headers)


RENDERERS: dict[str, Callable[[ErrorInfo], Response]] = {
    "problem": render_problem,
    "ob": render_ob,
    "cop-uk": render_cop_uk,
    "epc-vop": render_epc_vop,
    "oauth": render_oauth,
}


MIMETYPES = {"problem": PROBLEM_JSON, "epc-vop": PROBLEM_JSON}


def mimetype_for(path: str) -> str:
    """The media type of an error answer at `path`."""
    return MIMETYPES.get(dialect_for(path), "application/json")


def render(info: ErrorInfo) -> Response:
    """The one way an error leaves the service."""
    return RENDERERS[dialect_for(request.path)](info)
