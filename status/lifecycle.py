"""Writing a notice, in the caller's unit of work: a new notice and each status change with
its timeline entry and its webhook. The operator's use cases (`service`) and automatic outages
(`bankhealth`) both write notices through here, so a notice reads the same whoever wrote it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from status import domain, outbox
from status.domain import Kind, NoticeStatus, Severity
from status.models import Notice, NoticeTarget, NoticeUpdate
from status.representation import webhook_notice
from status.runtime import StatusRuntime

DEFAULT_MESSAGES = {
    NoticeStatus.IN_PROGRESS: "Work has started.",
    NoticeStatus.COMPLETED: "Completed; service is back to normal.",
    NoticeStatus.CANCELLED: "Cancelled; no downtime will happen.",
}
STATUS_EVENTS = {
    NoticeStatus.SCHEDULED: "notice.scheduled",
    NoticeStatus.IN_PROGRESS: "notice.started",
    NoticeStatus.COMPLETED: "notice.completed",
    NoticeStatus.CANCELLED: "notice.cancelled",
}
# The first timeline entry; the notice's own text is in its body.
FIRST_ENTRY = {
    (Kind.PLANNED, "operator"): "Maintenance announced.",
    (Kind.UNPLANNED, "operator"): "Incident reported; we are investigating.",
    (Kind.PLANNED, "automatic"): "Maintenance announced.",
    (Kind.UNPLANNED, "automatic"): "Detected automatically from failed requests.",
}


@dataclass(frozen=True)
class NoticeInput:
    kind: str
    title: str
    severity: str
    components: tuple[str, ...] = ()
    banks: tuple[str, ...] = ()
    body: str = ""
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None


def known_bank_ids(rt: StatusRuntime) -> list[str] | None:
    banks = rt.known_banks()
    return None if banks is None else list(banks)


def add_notice(rt: StatusRuntime, session: Session, data: NoticeInput, *, actor: str,
               source: str = "operator", now: dt.datetime | None = None) -> Notice:
    """Planned work is `scheduled`; an incident is reported `in_progress` at once."""
    now = now or rt.now()
    kind = Kind(data.kind)
    domain.validate_text(data.title, data.body)
    targets = domain.validate_targets(data.components, data.banks, known_bank_ids(rt))
    starts_at, ends_at = domain.validate_window(kind, data.starts_at, data.ends_at, now,
                                                check_past=source == "operator")
    status = domain.initial_status(kind)
    notice = Notice(id=f"ntc_{uuid.uuid4().hex}", kind=kind.value, status=status.value,
                    severity=Severity(data.severity).value, source=source,
                    title=data.title.strip(), body=data.body or "", starts_at=starts_at,
                    ends_at=ends_at, created_at=now, updated_at=now, created_by=actor,
                    started_at=starts_at if status is NoticeStatus.IN_PROGRESS else None,
                    targets=[NoticeTarget(kind=k, ref=r) for k, r in targets.keys()])
    notice.updates.append(NoticeUpdate(at=now, status=status.value, author=actor,
                                       body=FIRST_ENTRY[(kind, source)]))
    session.add(notice)
    session.flush()
    outbox.emit(session, STATUS_EVENTS[status], webhook_notice(notice, rt.base_url), now)
    return notice


def apply_status(rt: StatusRuntime, session: Session, notice: Notice, new: NoticeStatus,
                 at: dt.datetime, actor: str, message: str | None, now: dt.datetime) -> None:
    """The status change, its timeline entry and its webhook."""
    notice.status = new.value
    if new is NoticeStatus.IN_PROGRESS:
        notice.started_at = at
    elif new is NoticeStatus.COMPLETED:
        notice.completed_at = max(at, notice.started_at or at)
    else:
        notice.cancelled_at = at
    notice.updates.append(NoticeUpdate(at=at, status=new.value, author=actor,
                                       body=(message or "").strip() or DEFAULT_MESSAGES[new]))
    notice.updated_at = now
    session.flush()
    outbox.emit(session, STATUS_EVENTS[new], webhook_notice(notice, rt.base_url), now)
