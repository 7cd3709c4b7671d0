"""Notices: the lifecycle, validation of what an operator submits, and how active notices turn
into a component's status. Pure: stdlib only, times are aware UTC datetimes.

Vocabulary follows Atlassian Statuspage (component statuses, `minor|major|critical` impact)
because TPP tooling already parses it; the lifecycle is the issue's
`scheduled → in_progress → completed`, or `cancelled` before it starts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from status.errors import (
    IllegalTransition,
    NoticeClosed,
    NoticeInvalid,
    NoticeWindowInvalid,
    UnknownComponent,
)

# Our own APIs; banks are components too, named by their registry id.
API_COMPONENTS: dict[str, str] = {
    "auth": "Authorisation server",
    "accounts": "Account information",
    "payee-checks": "Payee checks",
}
BANK_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_TITLE = 200
MAX_BODY = 5000
# A planned start this far in the past is a typo, not a schedule.
PAST_START_TOLERANCE = dt.timedelta(minutes=5)


# Each member's value is its name in lower case ("planned", "in_progress").
Kind = StrEnum("Kind", "PLANNED UNPLANNED", module=__name__)
NoticeStatus = StrEnum("NoticeStatus", "SCHEDULED IN_PROGRESS COMPLETED CANCELLED",
                       module=__name__)


class Severity(StrEnum):
    """Impact, as Statuspage names it: minor = degraded, major = partly down, critical = down."""

    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"


class ComponentStatus(StrEnum):
    OPERATIONAL = "operational"
    DEGRADED_PERFORMANCE = "degraded_performance"
    PARTIAL_OUTAGE = "partial_outage"
    MAJOR_OUTAGE = "major_outage"
    UNDER_MAINTENANCE = "under_maintenance"


TRANSITIONS: dict[NoticeStatus, frozenset[NoticeStatus]] = {
    NoticeStatus.SCHEDULED: frozenset({NoticeStatus.IN_PROGRESS, NoticeStatus.CANCELLED}),
    NoticeStatus.IN_PROGRESS: frozenset({NoticeStatus.COMPLETED}),
    NoticeStatus.COMPLETED: frozenset(),
    NoticeStatus.CANCELLED: frozenset(),
}
CLOSED = frozenset({NoticeStatus.COMPLETED, NoticeStatus.CANCELLED})
# Severities during which the component counts as unavailable (EBA GL 2.2 downtime);
# `minor` is slower, not down.
DOWNTIME_SEVERITIES = frozenset({Severity.MAJOR, Severity.CRITICAL})
_SEVERITY_STATUS = {
    Severity.MINOR: ComponentStatus.DEGRADED_PERFORMANCE,
    Severity.MAJOR: ComponentStatus.PARTIAL_OUTAGE,
    Severity.CRITICAL: ComponentStatus.MAJOR_OUTAGE,
}
# Worst first: an outage outranks maintenance, maintenance outranks a slowdown.
STATUS_RANK = [
    ComponentStatus.MAJOR_OUTAGE,
    ComponentStatus.PARTIAL_OUTAGE,
    ComponentStatus.UNDER_MAINTENANCE,
    ComponentStatus.DEGRADED_PERFORMANCE,
    ComponentStatus.OPERATIONAL,
]


def transition(current: str, target: str) -> NoticeStatus:
    """The new status, or IllegalTransition naming what is allowed from here."""
    now, wanted = NoticeStatus(current), NoticeStatus(target)
    if wanted not in TRANSITIONS[now]:
        raise IllegalTransition(now.value, wanted.value, sorted(s.value for s in TRANSITIONS[now]))
    return wanted


def ensure_open(notice_id: str, status: str) -> None:
    if NoticeStatus(status) in CLOSED:
        raise NoticeClosed(notice_id, status)


def initial_status(kind: Kind) -> NoticeStatus:
    """Planned work is announced before it starts; an incident is reported once it is on."""
    return NoticeStatus.SCHEDULED if kind is Kind.PLANNED else NoticeStatus.IN_PROGRESS


@dataclass(frozen=True)
class Targets:
    components: tuple[str, ...]
    banks: tuple[str, ...]

    def keys(self) -> list[tuple[str, str]]:
        return [("component", c) for c in self.components] + [("bank", b) for b in self.banks]


def validate_filter(component: str | None, bank: str | None,
                    known_banks: Iterable[str] | None) -> None:
    """A read filter naming an id we do not have is the caller's mistake, answered like the
    same mistake in a notice (422 `unknown-component`, listing the valid ids), not with an
    empty answer that reads as "no downtime"."""
    if component is not None and component not in API_COMPONENTS:
        raise UnknownComponent("component", [component], list(API_COMPONENTS), field="component")
    if bank is None:
        return
    known = None if known_banks is None else sorted(set(known_banks))
    if (bank not in known) if known is not None else not BANK_ID.match(bank):
        raise UnknownComponent("bank", [bank], known, field="bank")


def validate_targets(components: Iterable[str], banks: Iterable[str],
                     known_banks: Iterable[str] | None) -> Targets:
    """At least one target; every component ours; every bank known to the registry (or, with
    no registry at all, at least shaped like a bank id)."""
    comps = tuple(dict.fromkeys(components or ()))
    bank_ids = tuple(dict.fromkeys(banks or ()))
    if not comps and not bank_ids:
        raise NoticeInvalid("Name at least one component or bank the notice affects.",
                            "components")
    unknown = [c for c in comps if c not in API_COMPONENTS]
    if unknown:
        raise UnknownComponent("component", unknown, list(API_COMPONENTS))
    known = None if known_banks is None else sorted(set(known_banks))
    bad = [b for b in bank_ids if (b not in known if known is not None else not BANK_ID.match(b))]
    if bad:
        raise UnknownComponent("bank", bad, known)
    return Targets(comps, bank_ids)


def validate_window(kind: Kind, starts_at: dt.datetime | None, ends_at: dt.datetime | None,
                    now: dt.datetime, *, check_past: bool = True
                    ) -> tuple[dt.datetime, dt.datetime | None]:
    """Planned work needs a start and an end, in order, not in the past. An incident starts
    now unless told otherwise; its end is an estimate and may be missing."""
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is not None and value.utcoffset() is None:
            raise NoticeWindowInvalid(f"{name} must carry a UTC offset (e.g. 'Z').", name)
    if kind is Kind.PLANNED:
        if starts_at is None or ends_at is None:
            field = "starts_at" if starts_at is None else "ends_at"
            raise NoticeWindowInvalid("Planned work needs both starts_at and ends_at.", field)
        if check_past and starts_at < now - PAST_START_TOLERANCE:
            raise NoticeWindowInvalid("starts_at is in the past; planned work is announced "
                                      "before it starts.", "starts_at")
    starts_at = starts_at or now
    if ends_at is not None and ends_at <= starts_at:
        raise NoticeWindowInvalid(
            f"ends_at ({iso(ends_at)}) must be after starts_at ({iso(starts_at)}).", "ends_at")
    return starts_at.astimezone(dt.UTC), ends_at.astimezone(dt.UTC) if ends_at else None


def validate_text(title: str | None, body: str | None, *, partial: bool = False) -> None:
    if title is not None or not partial:
        if not title or not title.strip():
            raise NoticeInvalid("A notice needs a title.", "title")
        if len(title) > MAX_TITLE:
            raise NoticeInvalid(f"title is longer than {MAX_TITLE} characters.", "title")
    if body is not None and len(body) > MAX_BODY:
        raise NoticeInvalid(f"body is longer than {MAX_BODY} characters.", "body")


@dataclass(frozen=True)
class ActiveNotice:
    """What the status of a component needs to know about one notice."""

    kind: Kind
    status: NoticeStatus
    severity: Severity
    starts_at: dt.datetime
    ends_at: dt.datetime | None


def in_effect(notice: ActiveNotice, at: dt.datetime) -> bool:
    """In progress, or scheduled with its window open (the worker may not have started it
    yet; a TPP should not call into announced maintenance either way)."""
    if notice.status is NoticeStatus.IN_PROGRESS:
        return notice.starts_at <= at or notice.kind is Kind.UNPLANNED
    if notice.status is NoticeStatus.SCHEDULED and notice.kind is Kind.PLANNED:
        return notice.starts_at <= at and (notice.ends_at is None or at < notice.ends_at)
    return False


def component_status(notices: Iterable[ActiveNotice], at: dt.datetime) -> ComponentStatus:
    found = {ComponentStatus.OPERATIONAL}
    for notice in notices:
        if not in_effect(notice, at):
            continue
        if notice.kind is Kind.PLANNED:
            found.add(ComponentStatus.UNDER_MAINTENANCE)
        else:
            found.add(_SEVERITY_STATUS[notice.severity])
    return next(s for s in STATUS_RANK if s in found)


def overall_indicator(statuses: Iterable[ComponentStatus]) -> tuple[str, str]:
    """Statuspage's page-level `status.indicator` and its description."""
    seen = set(statuses)
    if ComponentStatus.MAJOR_OUTAGE in seen:
        return "critical", "Major outage"
    if ComponentStatus.PARTIAL_OUTAGE in seen:
        return "major", "Partial outage"
    if ComponentStatus.DEGRADED_PERFORMANCE in seen:
        return "minor", "Degraded performance"
    if ComponentStatus.UNDER_MAINTENANCE in seen:
        return "maintenance", "Maintenance in progress"
    return "none", "All systems operational"


def iso(value: dt.datetime | None) -> str | None:
    """UTC ISO 8601 with a `Z`, the one time format of every status document."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
