"""Read models: the state of every component and bank, the Statuspage-like summary, and the
availability figures per day and quarter. Queries here; arithmetic in `availability.py`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from status import availability as avail
from status import domain, service
from status.availability import Figures, Interval
from status.domain import API_COMPONENTS, ComponentStatus, Kind
from status.measure import BOUNDS_MS
from status.models import DailyFigures, Notice, NoticeTarget
from status.runtime import StatusRuntime


@dataclass(frozen=True)
class Target:
    kind: str  # component | bank
    id: str
    name: str

    @property
    def key(self) -> str:
        return f"api:{self.id}" if self.kind == "component" else f"bank:{self.id}"


def targets(rt: StatusRuntime, session: Session) -> list[Target]:
    """Our APIs, then every bank we know of: the registry's, and any that has notices or
    measurements (so an outage of a bank missing from configuration still shows)."""
    found = [Target("component", c, name) for c, name in API_COMPONENTS.items()]
    banks = dict(rt.known_banks() or {})
    for ref in session.scalars(select(NoticeTarget.ref).where(NoticeTarget.kind == "bank")
                               .distinct()):
        banks.setdefault(ref, ref)
    for key in session.scalars(select(DailyFigures.target).distinct()):
        if key.startswith("bank:"):
            banks.setdefault(key[5:], key[5:])
    return found + [Target("bank", b, banks[b]) for b in sorted(banks)]


def _notices_by_target(notices) -> dict[str, list[Notice]]:
    grouped: dict[str, list[Notice]] = defaultdict(list)
    for notice in notices:
        for t in notice.targets:
            grouped[Target(t.kind, t.ref, t.ref).key].append(notice)
    return grouped


def component_states(rt: StatusRuntime, session: Session, now: dt.datetime,
                     open_notices: list[Notice] | None = None
                     ) -> list[tuple[Target, ComponentStatus, dt.datetime | None]]:
    """Each target's status at `now` from the open notices (read here unless the caller
    already has them)."""
    if open_notices is None:
        open_notices = service.open_notices(session)
    grouped = _notices_by_target(open_notices)
    states = []
    for target in targets(rt, session):
        notices = grouped.get(target.key, [])
        status = domain.component_status([service.active(n) for n in notices], now)
        changed = max((n.updated_at for n in notices), default=None)
        states.append((target, status, changed))
    return states


def summary(rt: StatusRuntime, session: Session, now: dt.datetime,
            open_notices: list[Notice] | None = None) -> dict:
    """The shape of Atlassian Statuspage's `/api/v2/summary.json`, with our notices (the open
    ones read here unless the caller already has them)."""
    open_ = service.open_notices(session) if open_notices is None else open_notices
    states = component_states(rt, session, now, open_)
    indicator, description = domain.overall_indicator(s for _, s, _ in states)
    return {
        "page": {"id": "openbanking-hub", "name": "Open Banking Hub status",
                 "url": f"{rt.base_url}/status", "updated_at": now},
        "status": {"indicator": indicator, "description": description},
        "components": [{"id": t.id, "name": t.name,
                        "group": "apis" if t.kind == "component" else "banks",
                        "status": s.value, "updated_at": changed or now}
                       for t, s, changed in states],
        "incidents": [n for n in open_ if n.kind == Kind.UNPLANNED.value],
        "scheduled_maintenances": [n for n in open_ if n.kind == Kind.PLANNED.value],
    }


def latest_write(session: Session) -> dt.datetime | None:
    """When a notice was last written (each write sets its `updated_at`)."""
    return session.scalar(select(func.max(Notice.updated_at)))


def downtime_intervals(notice: Notice, now: dt.datetime) -> list[Interval]:
    """When the notice made its targets unavailable, as far as we know at `now`."""
    if domain.Severity(notice.severity) not in domain.DOWNTIME_SEVERITIES:
        return []
    if notice.status == "cancelled":
        return []
    if notice.status == "scheduled":
        if notice.starts_at >= now:
            return []
        return [(notice.starts_at, min(notice.ends_at or now, now))]
    start = notice.started_at or notice.starts_at
    return [(start, notice.completed_at or now)]


def daily(rt: StatusRuntime, session: Session, start: dt.date, end: dt.date,
                 now: dt.datetime, *, component: str | None = None, bank: str | None = None
                 ) -> list[tuple[Target, list[tuple[dt.date, Figures]]]]:
    """Per target, the figures of each day from `start` to `end` (inclusive) that has begun."""
    chosen = [t for t in targets(rt, session)
              if (component is None and bank is None)
              or (t.kind == "component" and t.id == component)
              or (t.kind == "bank" and t.id == bank)]
    range_start = dt.datetime.combine(start, dt.time(), dt.UTC)
    range_end = dt.datetime.combine(end, dt.time(), dt.UTC) + avail.DAY
    closed_at = func.coalesce(Notice.completed_at, Notice.cancelled_at)
    notices = session.scalars(select(Notice).where(
        Notice.starts_at < range_end, Notice.status != "cancelled",
        (closed_at.is_(None)) | (closed_at >= range_start))).all()
    grouped = _notices_by_target(notices)
    rows = session.scalars(select(DailyFigures).where(
        DailyFigures.target.in_([t.key for t in chosen]),
        DailyFigures.day >= start, DailyFigures.day <= end)).all()
    measured = {(r.target, r.day): r for r in rows}
    result = []
    for target in chosen:
        planned, unplanned = [], []
        for notice in grouped.get(target.key, []):
            spans = downtime_intervals(notice, now)
            (planned if notice.kind == "planned" else unplanned).extend(spans)
        days = []
        day = start
        while day <= end:
            row = measured.get((target.key, day))
            figures = avail.day_figures(
                day, now, planned=planned, unplanned=unplanned,
                requests=row.requests if row else 0, failures=row.failures if row else 0,
                latency_sum_ms=row.latency_sum_ms if row else 0.0,
                histogram=row.histogram if row else (),
                failing_minutes=row.failing_minutes if row else ())
            if figures is not None:
                days.append((day, figures))
            day += avail.DAY
        result.append((target, days))
    return result


def figures_document(label: str, figures: Figures) -> dict:
    hist = figures.histogram
    average = (round(figures.latency_sum_ms / figures.requests, 1)
               if figures.requests else None)
    return {
        "period": label,
        "start": figures.start,
        "end": figures.end,
        "uptime_percent": figures.uptime_percent,
        "downtime_seconds": {"planned": round(figures.planned_seconds, 3),
                             "unplanned": round(figures.unplanned_seconds, 3),
                             "total": round(figures.planned_seconds
                                            + figures.unplanned_seconds, 3)},
        "requests": figures.requests,
        "errors": figures.failures,
        "error_rate_percent": (round(100.0 * figures.failures / figures.requests, 3)
                               if figures.requests else None),
        "response_time_ms": {
            "average": average,
            "p50": avail.percentile(hist, BOUNDS_MS, 0.50),
            "p95": avail.percentile(hist, BOUNDS_MS, 0.95),
            "p99": avail.percentile(hist, BOUNDS_MS, 0.99),
        },
    }


def availability_document(rt: StatusRuntime, session: Session, start: dt.date, end: dt.date,
                          now: dt.datetime, *, component: str | None = None,
                          bank: str | None = None) -> dict:
    entries = []
    for target, days in daily(rt, session, start, end, now, component=component,
                                     bank=bank):
        quarters = avail.quarters(days)
        entries.append({
            "id": target.id, "name": target.name,
            "group": "apis" if target.kind == "component" else "banks",
            "days": [figures_document(d.isoformat(), f) for d, f in days],
            "quarters": [figures_document(q, f) for q, f in quarters.items()],
        })
    return {"from": start.isoformat(), "to": end.isoformat(), "generated_at": now,
            "method": ("Uptime = 100% - downtime%, per UTC day (EBA/GL/2018/07 GL 2.2); "
                       "planned and unplanned downtime both count; quarters sum their days."),
            "components": [e for e in entries if e["group"] == "apis"],
            "banks": [e for e in entries if e["group"] == "banks"]}
