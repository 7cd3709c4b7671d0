"""Status problem types. Raised by the domain and services, rendered by `core.web`.

Each names the field or the statuses involved, so an operator's tool can point at the mistake
instead of showing a generic 422.
"""

from __future__ import annotations

from core.errors import Problem


class FieldProblem(Problem):
    """A problem with one field of the request, named in the body's `field` member."""

    def __init__(self, detail: str, field: str) -> None:
        super().__init__(detail, field=field)
        self.field = field


class NoticeWindowInvalid(FieldProblem):
    slug, status, title = "notice-window-invalid", 422, "Notice start and end are inconsistent"


class NoticeInvalid(FieldProblem):
    slug, status, title = "notice-invalid", 422, "Notice is invalid"


class UnknownComponent(Problem):
    slug, status, title = "unknown-component", 422, "Unknown component or bank"

    def __init__(self, kind: str, unknown: list[str], known: list[str] | None,
                 field: str | None = None) -> None:
        noun = "bank" if kind == "bank" else "component"
        detail = f"Unknown {noun}{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}."
        if known is not None:
            detail += f" Valid {noun} ids: {', '.join(known)}."
        extra = {"field": field or ("banks" if kind == "bank" else "components"),
                 "unknown": unknown}
        if known is not None:
            extra["known"] = known
        super().__init__(detail, **extra)
        self.unknown = unknown


class NoticeClosed(Problem):
    slug, status, title = "notice-closed", 409, "The notice is closed"

    def __init__(self, notice_id: str, status: str) -> None:
        super().__init__(f"Notice {notice_id} is {status}; a closed notice cannot be edited.",
                         notice_id=notice_id, current_status=status)
        self.current_status = status


class IllegalTransition(Problem):
    slug, status, title = ("notice-transition-invalid", 409,
                           "This notice status change is not allowed")

    def __init__(self, current: str, target: str, allowed: list[str]) -> None:
        super().__init__(f"A {current} notice cannot become {target}.", current_status=current,
                         requested_status=target, allowed=allowed)
        self.current = current
        self.target = target


class WebhookUrlInvalid(Problem):
    slug, status, title = "webhook-url-invalid", 422, "Webhook URL is not acceptable"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, field="url")


class UnknownEventType(Problem):
    slug, status, title = "unknown-event-type", 422, "Unknown webhook event type"

    def __init__(self, unknown: list[str], known: list[str]) -> None:
        super().__init__(f"Unknown event type(s): {', '.join(unknown)}.", field="events",
                         unknown=unknown, known=known)
