"""What the status page and the Atom feed show, gathered in one place so the templates only
lay it out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from markupsafe import escape
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from status import availability as avail
from status import domain, reports, service
from status.domain import ComponentStatus, iso
from status.models import Notice
from status.runtime import StatusRuntime

LABELS = {
    ComponentStatus.OPERATIONAL: "Operational",
    ComponentStatus.DEGRADED_PERFORMANCE: "Degraded performance",
    ComponentStatus.PARTIAL_OUTAGE: "Partial outage",
    ComponentStatus.MAJOR_OUTAGE: "Major outage",
    ComponentStatus.UNDER_MAINTENANCE: "Under maintenance",
}
BAR_LABELS = {"up": "no downtime", "minor": "some downtime", "major": "downtime",
              "down": "major downtime", "maint": "planned maintenance", "none": "no data"}
FEED_ENTRIES = 50
HISTORY_ENTRIES = 20


@dataclass(frozen=True)
class Bar:
    day: dt.date
    css: str
    label: str


@dataclass(frozen=True)
class Row:
    id: str
    name: str
    group: str
    status: str
    label: str
    bars: list[Bar]
    uptime: float | None


def bar_for(day: dt.date, figures: avail.Figures | None) -> Bar:
    css = avail.bar_class(figures)
    if css != "none" and figures is not None and figures.unplanned_seconds == 0 \
            and figures.planned_seconds > 0:
        css = "maint"
    text = f"{day.isoformat()}: {BAR_LABELS[css]}"
    if figures is not None and figures.measured:
        down = figures.planned_seconds + figures.unplanned_seconds
        text += f", {figures.uptime_percent:.2f}% up, {down / 60:.0f} min down"
    return Bar(day, css, text)


def page(rt: StatusRuntime, session: Session, now: dt.datetime,
         open_: list[Notice] | None = None) -> dict:
    """The page's rows, bars and notices; the open notices read once (here unless the caller
    already has them): reading them for each part was half of a render's CPU."""
    days = rt.settings.page_days
    first = now.date() - dt.timedelta(days=days - 1)
    figures = {t.key: dict(d) for t, d in reports.daily(rt, session, first, now.date(), now)}
    if open_ is None:
        open_ = service.open_notices(session)
    states = reports.component_states(rt, session, now, open_)
    rows = []
    for target, status, _ in states:
        per_day = figures.get(target.key, {})
        total = avail.Figures(now, now)
        for f in per_day.values():
            total.add(f)
        bars = [bar_for(first + dt.timedelta(days=i), per_day.get(first + dt.timedelta(days=i)))
                for i in range(days)]
        rows.append(Row(target.id, target.name, target.kind, status.value, LABELS[status], bars,
                        total.uptime_percent if total.measured else None))
    indicator, description = domain.overall_indicator(s for _, s, _ in states)
    history = session.scalars(select(Notice).where(
        Notice.status.in_(("completed", "cancelled")),
        or_(Notice.completed_at >= now - dt.timedelta(days=days),
            Notice.cancelled_at >= now - dt.timedelta(days=days)))
        .order_by(Notice.updated_at.desc()).limit(HISTORY_ENTRIES)).all()
    return {
        "now": now, "days": days,
        "status": {"indicator": indicator, "description": description},
        "apis": [r for r in rows if r.group == "component"],
        "banks": [r for r in rows if r.group == "bank"],
        "incidents": [n for n in open_ if n.kind == "unplanned"],
        "maintenance": [n for n in open_ if n.kind == "planned"],
        "history": history, "names": {r.id: r.name for r in rows},
    }


def entry_html(notice: Notice, names: dict[str, str]) -> str:
    """The Atom entry's content: the notice text and its timeline, as escaped HTML."""
    affected = ", ".join(names.get(t, t) for t in notice.components + notice.banks)
    parts = [f"<p>{escape(notice.body)}</p>" if notice.body else "",
             f"<p>Affects: {escape(affected)}. Severity: {escape(notice.severity)}. "
             f"Window: {iso(notice.starts_at)} to {iso(notice.ends_at) or 'open'}.</p>",
             "<ul>"]
    for update in reversed(notice.updates):
        parts.append(f"<li>{iso(update.at)} [{escape(update.status)}] "
                     f"{escape(update.body)}</li>")
    parts.append("</ul>")
    return "".join(parts)


def feed(rt: StatusRuntime, session: Session, now: dt.datetime) -> dict:
    notices = session.scalars(select(Notice).order_by(Notice.updated_at.desc(), Notice.id)
                              .limit(FEED_ENTRIES)).all()
    names = {t.id: t.name for t in reports.targets(rt, session)}
    return {
        "base": rt.base_url, "updated": max((n.updated_at for n in notices), default=now),
        "entries": [{"notice": n, "content": entry_html(n, names)} for n in notices],
    }
