"""Notice use cases, and the two functions other packages call:

- `bank_under_planned_downtime(session, bank_id, at)`: aggregation skips such banks;
- `record_bank_call(bank_id, ok, latency_ms, at=None)` / `record_bank_calls(calls, at=None)`:
  aggregation reports each bank call (a read's calls together), and
  an outage is declared (and ended) from these without an operator (see `bankhealth.py`).

Each use case opens the unit of work (`core.db.unit_of_work`): the notice, its timeline entry
and the webhook outbox rows commit together or not at all. Writing a notice itself is
`lifecycle`'s, shared with automatic outages.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.db import unit_of_work
from core.errors import Conflict, NotFound
from status import bankhealth, domain, outbox
from status.context import current_runtime
from status.domain import Kind, NoticeStatus, Severity
from status.errors import NoticeInvalid
from status.lifecycle import NoticeInput, add_notice, apply_status, known_bank_ids
from status.models import Notice, NoticeTarget, NoticeUpdate
from status.representation import webhook_notice
from status.runtime import StatusRuntime

OPEN = (NoticeStatus.SCHEDULED.value, NoticeStatus.IN_PROGRESS.value)
EDITABLE = ("title", "body", "severity", "starts_at", "ends_at", "components", "banks")


@contextmanager
def _changing_notice(session: Session) -> Iterator[None]:
    """The unit of work of a change to an existing notice. Two operators editing it at once:
    the second gets a 409 that says what happened to *the notice*, not to some record."""
    try:
        with unit_of_work(session):
            yield
    except Conflict as err:
        if isinstance(err.__cause__, StaleDataError):
            raise Conflict("The notice changed meanwhile; read it again and retry.") from err
        raise


def create_notice(rt: StatusRuntime, session: Session, data: NoticeInput, *, actor: str,
                  source: str = "operator", now: dt.datetime | None = None) -> Notice:
    """Planned work is `scheduled`; an incident is reported `in_progress` at once."""
    with unit_of_work(session):
        return add_notice(rt, session, data, actor=actor, source=source, now=now)


def get_notice(session: Session, notice_id: str) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFound(f"No notice {notice_id}.")
    return notice


def edit_notice(rt: StatusRuntime, session: Session, notice_id: str, changes: dict[str, Any],
                *, actor: str) -> Notice:
    """Correct a notice that is not closed. The window moves only before work starts; once
    started, only the end (an estimate) may move."""
    now = rt.now()
    with _changing_notice(session):
        notice = get_notice(session, notice_id)
        domain.ensure_open(notice.id, notice.status)
        changes = {k: v for k, v in changes.items() if k in EDITABLE}
        started = notice.status == NoticeStatus.IN_PROGRESS
        if started and "starts_at" in changes and changes["starts_at"] != notice.starts_at:
            raise NoticeInvalid("starts_at cannot change once work has started.", "starts_at")
        domain.validate_text(changes.get("title"), changes.get("body"), partial=True)
        if "components" in changes or "banks" in changes:
            targets = domain.validate_targets(
                changes.get("components", notice.components), changes.get("banks", notice.banks),
                known_bank_ids(rt))
            notice.targets = [NoticeTarget(kind=k, ref=r) for k, r in targets.keys()]
        if "starts_at" in changes or "ends_at" in changes:
            notice.starts_at, notice.ends_at = domain.validate_window(
                Kind(notice.kind), changes.get("starts_at", notice.starts_at),
                changes.get("ends_at", notice.ends_at), now,
                check_past="starts_at" in changes and not started)
        for key in ("title", "body"):
            if key in changes:
                setattr(notice, key, changes[key].strip() if key == "title" else changes[key])
        if "severity" in changes:
            notice.severity = Severity(changes["severity"]).value
        notice.updated_at = now
        session.flush()
        outbox.emit(session, "notice.updated", webhook_notice(notice, rt.base_url), now)
    return notice


def add_update(rt: StatusRuntime, session: Session, notice_id: str, body: str, *, actor: str,
               severity: str | None = None) -> Notice:
    """A new entry on the notice's public timeline (what we know, what we do, next update)."""
    now = rt.now()
    domain.validate_text(None, body, partial=True)
    if not body or not body.strip():
        raise NoticeInvalid("An update needs a body.", "body")
    with _changing_notice(session):
        notice = get_notice(session, notice_id)
        domain.ensure_open(notice.id, notice.status)
        if severity is not None:
            notice.severity = Severity(severity).value
        notice.updates.append(NoticeUpdate(at=now, status=notice.status, body=body.strip(),
                                           author=actor))
        notice.updated_at = now
        session.flush()
        outbox.emit(session, "notice.updated", webhook_notice(notice, rt.base_url), now)
    return notice


def change_status(rt: StatusRuntime, session: Session, notice_id: str, target: str, *,
                  actor: str, message: str | None = None, at: dt.datetime | None = None
                  ) -> Notice:
    """start → in_progress, complete → completed, cancel → cancelled; anything else is a 409
    naming the statuses reachable from here."""
    now = rt.now()
    with _changing_notice(session):
        notice = get_notice(session, notice_id)
        new = domain.transition(notice.status, target)
        apply_status(rt, session, notice, new, at or now, actor, message, now)
    return notice


def start_due(rt: StatusRuntime, session: Session) -> list[str]:
    """Start planned work whose window has opened (the worker calls this every pass), so the
    page, summary and webhooks say 'in progress' even if no operator clicked 'start'."""
    now = rt.now()
    with _changing_notice(session):
        due = session.scalars(select(Notice).where(
            Notice.status == NoticeStatus.SCHEDULED.value, Notice.kind == Kind.PLANNED.value,
            Notice.starts_at <= now).with_for_update(skip_locked=True)).all()
        for notice in due:
            apply_status(rt, session, notice, NoticeStatus.IN_PROGRESS, notice.starts_at,
                          "system", "Started at the scheduled time.", now)
    return [n.id for n in due]


def list_notices(session: Session, *, component: str | None = None, bank: str | None = None,
                 start: dt.datetime | None = None, end: dt.datetime | None = None,
                 status: str | None = None, kind: str | None = None, page: int = 1,
                 page_size: int = 20) -> tuple[list[Notice], int]:
    """Newest first. `start`/`end` keep notices whose window overlaps [start, end]; work in
    progress is taken to last until it is completed."""
    query = select(Notice)
    for target_kind, ref in (("component", component), ("bank", bank)):
        if ref:
            query = query.where(Notice.id.in_(select(NoticeTarget.notice_id).where(
                NoticeTarget.kind == target_kind, NoticeTarget.ref == ref)))
    if end is not None:
        query = query.where(Notice.starts_at <= end)
    if start is not None:
        closed_at = func.coalesce(Notice.completed_at, Notice.cancelled_at, Notice.ends_at)
        query = query.where(or_(Notice.status == NoticeStatus.IN_PROGRESS.value,
                                closed_at.is_(None), closed_at >= start))
    if status:
        query = query.where(Notice.status == status)
    if kind:
        query = query.where(Notice.kind == kind)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    items = session.scalars(query.order_by(Notice.starts_at.desc(), Notice.id)
                            .offset((page - 1) * page_size).limit(page_size)).all()
    return list(items), int(total or 0)


def open_notices(session: Session) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.status.in_(OPEN))
                                .order_by(Notice.starts_at)))


def bank_under_planned_downtime(session: Session, bank_id: str, at: dt.datetime) -> bool:
    """True while announced maintenance of the bank is on (started, or its window open)."""
    candidates = session.scalars(select(Notice).join(NoticeTarget).where(
        and_(NoticeTarget.kind == "bank", NoticeTarget.ref == bank_id),
        Notice.kind == Kind.PLANNED.value, Notice.status.in_(OPEN), Notice.starts_at <= at))
    return any(domain.in_effect(active(n), at) for n in candidates)


def record_bank_call(bank_id: str, ok: bool, latency_ms: float, at: dt.datetime | None = None,
                     *, runtime: StatusRuntime | None = None) -> None:
    """One connector call's outcome. Never raises: measuring must not break a balance read."""
    bankhealth.record_call(runtime or current_runtime(), bank_id, ok, latency_ms, at)


def record_bank_calls(calls: list[tuple[str, bool, float]], at: dt.datetime | None = None,
                      *, runtime: StatusRuntime | None = None) -> None:
    """The outcomes of one read's bank calls `(bank_id, ok, latency_ms)`, in one round trip.
    Never raises."""
    bankhealth.record_calls(runtime or current_runtime(), list(calls), at)


def active(notice: Notice) -> domain.ActiveNotice:
    return domain.ActiveNotice(Kind(notice.kind), NoticeStatus(notice.status),
                               Severity(notice.severity), notice.starts_at, notice.ends_at)


def check_filter(rt: StatusRuntime, component: str | None, bank: str | None) -> None:
    """Refuse a read filter naming a component or bank we do not have (domain rule)."""
    domain.validate_filter(component, bank, rt.known_banks())
