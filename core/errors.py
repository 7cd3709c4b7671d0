"""Problem types (RFC 9457). Domain code raises these; the web layer renders them.

Every problem has a stable `type` of the form `/problems/<slug>`: relative to the service, the
same on every deployment, and resolvable to a description at that path.
"""

from __future__ import annotations

from typing import Any

PROBLEM_BASE = "/problems/"

# slug -> (status, title). Documented at /problems and in the README.
PROBLEM_TYPES: dict[str, tuple[int, str]] = {
    "bad-request": (400, "Bad request"),
    "validation-error": (422, "Request validation failed"),
    "unauthorized": (401, "Authentication required"),
    "invalid-token": (401, "Invalid access token"),
    "forbidden": (403, "Forbidden"),
    "insufficient-scope": (403, "Insufficient scope"),
    "not-found": (404, "Resource not found"),
    "method-not-allowed": (405, "Method not allowed"),
    "not-acceptable": (406, "Not acceptable"),
    "conflict": (409, "Conflict"),
    "idempotency-key-reused": (409, "Idempotency key reused with another request"),
    "gone": (410, "Gone"),
    "payload-too-large": (413, "Payload too large"),
    "unsupported-media-type": (415, "Unsupported media type"),
    "rate-limited": (429, "Too many requests"),
    "internal-error": (500, "Internal server error"),
    "bad-gateway": (502, "Bad gateway"),
    "service-unavailable": (503, "Service unavailable"),
    "http-error": (400, "HTTP error"),
}

STATUS_TO_SLUG = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    406: "not-acceptable",
    409: "conflict",
    410: "gone",
    413: "payload-too-large",
    415: "unsupported-media-type",
    422: "validation-error",
    429: "rate-limited",
    500: "internal-error",
    502: "bad-gateway",
    503: "service-unavailable",
}


def register_problems(table: dict[str, tuple[int, str]]) -> None:
    """Add a feature package's problem types (slug -> (status, title)) to the one table that
    renders and documents them; a slug already there keeps its entry."""
    for slug, entry in table.items():
        PROBLEM_TYPES.setdefault(slug, entry)


def problem_type(slug: str) -> str:
    return PROBLEM_BASE + slug


class Problem(Exception):
    """A client-visible error. Subclass per domain error, or raise with a registered slug.

    `extra` members are added to the problem body (e.g. OB `Errors`, EPC `code`); `headers`
    are sent with the response (e.g. `Retry-After`, `WWW-Authenticate`).
    """

    slug = "bad-request"
    status: int | None = None
    title: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass naming its own status and title defines a problem type: it joins the
        table that renders and documents them, so the type is declared in one place."""
        super().__init_subclass__(**kwargs)
        if cls.status and cls.title:
            PROBLEM_TYPES.setdefault(cls.slug, (cls.status, cls.title))

    def __init__(
        self,
        detail: str = "",
        *,
        slug: str | None = None,
        status: int | None = None,
        title: str | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.slug = slug or self.slug
        default_status, default_title = PROBLEM_TYPES.get(self.slug, (400, "Error"))
        self.status = status or self.status or default_status
        self.title = title or self.title or default_title
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    @property
    def type(self) -> str:
        return problem_type(self.slug)

    def to_dict(self) -> dict[str, Any]:
        body = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        body.update(self.extra)
        return body


class NotFound(Problem):
    slug = "not-found"


class Conflict(Problem):
    slug = "conflict"


class Forbidden(Problem):
    slug = "forbidden"


class ValidationProblem(Problem):
    slug = "validation-error"


class ServiceUnavailable(Problem):
    slug = "service-unavailable"
