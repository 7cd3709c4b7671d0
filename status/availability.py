"""Availability figures as the EBA Guidelines (EBA/GL/2018/07, GL 2.2–2.4) define them. Pure.

- Uptime = 100 % − downtime %, where downtime % = downtime seconds / seconds in the period
  (a day; today counts up to now). Planned and unplanned downtime both count: the guidelines
  do not distinguish them, but we report them apart, as RTS Art. 32 asks for transparency.
- Planned downtime: maintenance notices of severity major/critical while in effect.
- Unplanned downtime: incidents (including automatic bank outages) of severity major/critical,
  and measured minutes in which at least half the calls failed, minus any planned time.
- Response times: average and p50/p95/p99, estimated from a fixed-bucket histogram.
- Quarters: the sums of their days (GL 3.1 publishes daily statistics quarterly).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

Interval = tuple[dt.datetime, dt.datetime]
DAY = dt.timedelta(days=1)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[list[dt.datetime]] = []
    for start, end in sorted(i for i in intervals if i[1] > i[0]):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(s, e) for s, e in merged]


def clip(intervals: Iterable[Interval], start: dt.datetime, end: dt.datetime) -> list[Interval]:
    return merge((max(s, start), min(e, end)) for s, e in intervals)


def subtract(intervals: Sequence[Interval], holes: Sequence[Interval]) -> list[Interval]:
    result = []
    for start, end in intervals:
        pieces = [(start, end)]
        for h_start, h_end in holes:
            pieces = [p for s, e in pieces for p in ((s, min(e, h_start)), (max(s, h_end), e))
                      if p[1] > p[0]]
        result.extend(pieces)
    return merge(result)


def seconds(intervals: Iterable[Interval]) -> float:
    return sum((e - s).total_seconds() for s, e in intervals)


def percentile(histogram: Sequence[int], bounds: Sequence[float], q: float) -> float | None:
    """Linear interpolation inside the bucket holding the q-th call; the open last bucket
    reports its lower bound (we only know it was slower than that)."""
    total = sum(histogram)
    if total == 0:
        return None
    rank = q * total
    seen = 0
    for i, count in enumerate(histogram):
        if count and seen + count >= rank:
            lower = bounds[i - 1] if i > 0 else 0.0
            if i >= len(bounds):
                return float(lower)
            return round(lower + (bounds[i] - lower) * (rank - seen) / count, 1)
        seen += count
    return float(bounds[-1])


@dataclass
class Figures:
    """Measured and computed figures for one period of one target."""

    start: dt.datetime
    end: dt.datetime
    period_seconds: float = 0.0
    planned_seconds: float = 0.0
    unplanned_seconds: float = 0.0
    requests: int = 0
    failures: int = 0
    latency_sum_ms: float = 0.0
    histogram: list[int] = field(default_factory=list)

    @property
    def measured(self) -> bool:
        return self.requests > 0 or self.planned_seconds + self.unplanned_seconds > 0

    @property
    def uptime_percent(self) -> float | None:
        if self.period_seconds <= 0:
            return None
        down = self.planned_seconds + self.unplanned_seconds
        return round(100.0 * (1 - down / self.period_seconds), 3)

    def add(self, other: Figures) -> None:
        self.period_seconds += other.period_seconds
        self.planned_seconds += other.planned_seconds
        self.unplanned_seconds += other.unplanned_seconds
        self.requests += other.requests
        self.failures += other.failures
        self.latency_sum_ms += other.latency_sum_ms
        width = max(len(self.histogram), len(other.histogram))
        mine = self.histogram + [0] * (width - len(self.histogram))
        theirs = other.histogram + [0] * (width - len(other.histogram))
        self.histogram = [a + b for a, b in zip(mine, theirs, strict=True)]


def day_figures(day: dt.date, now: dt.datetime, *, planned: Iterable[Interval],
                unplanned: Iterable[Interval], requests: int = 0, failures: int = 0,
                latency_sum_ms: float = 0.0, histogram: Sequence[int] = (),
                failing_minutes: Iterable[int] = ()) -> Figures | None:
    """One UTC day; None for a day that has not begun."""
    start = dt.datetime.combine(day, dt.time(), dt.UTC)
    end = min(start + DAY, now)
    if end <= start:
        return None
    minutes = [(start + dt.timedelta(minutes=m), start + dt.timedelta(minutes=m + 1))
               for m in failing_minutes]
    planned_c = clip(planned, start, end)
    unplanned_c = subtract(clip(list(unplanned) + minutes, start, end), planned_c)
    return Figures(start, start + DAY, (end - start).total_seconds(), seconds(planned_c),
                   seconds(unplanned_c), requests, failures, latency_sum_ms, list(histogram))


def quarter_of(day: dt.date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarters(days: Iterable[tuple[dt.date, Figures]]) -> dict[str, Figures]:
    found: dict[str, Figures] = {}
    for day, figures in days:
        key = quarter_of(day)
        if key not in found:
            first_month = 3 * ((day.month - 1) // 3) + 1
            q_start = dt.datetime(day.year, first_month, 1, tzinfo=dt.UTC)
            q_end = (dt.datetime(day.year + 1, 1, 1, tzinfo=dt.UTC) if first_month == 10 else
                     dt.datetime(day.year, first_month + 3, 1, tzinfo=dt.UTC))
            found[key] = Figures(q_start, q_end)
        found[key].add(figures)
    return found


def bar_class(figures: Figures | None) -> str:
    """The colour of a day on the status page."""
    if figures is None or not figures.measured:
        return "none"
    uptime = figures.uptime_percent or 0.0
    if uptime >= 99.95:
        return "up"
    if uptime >= 99.5:
        return "minor"
    if uptime >= 95.0:
        return "major"
    return "down"
