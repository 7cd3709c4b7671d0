"""Availability arithmetic (EBA GL 2.2: uptime = 100% − downtime%), pure."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from status import availability as avail
from status.measure import BOUNDS_MS

DAY = dt.date(2026, 11, 19)
START = dt.datetime(2026, 11, 19, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def at(hours: float) -> dt.datetime:
    return START + dt.timedelta(hours=hours)


def test_planned_and_unplanned_are_counted_apart_and_not_twice():
    figures = avail.day_figures(
        DAY, LATER, planned=[(at(1), at(3))], unplanned=[(at(2), at(4))],
        failing_minutes=[int(3.5 * 60), 10 * 60])
    assert figures.planned_seconds == 2 * 3600
    # 2–3 h is planned already; 3–4 h unplanned; the 03:30 minute is inside it; 10:00 adds 60 s
    assert figures.unplanned_seconds == 3600 + 60
    assert figures.uptime_percent == round(100 * (1 - (3 * 3600 + 60) / 86400), 3)


def test_today_counts_up_to_now_and_future_days_are_skipped():
    now = at(12)
    figures = avail.day_figures(DAY, now, planned=[], unplanned=[(at(11), at(30))])
    assert figures.period_seconds == 12 * 3600 and figures.unplanned_seconds == 3600
    assert avail.day_figures(DAY + dt.timedelta(days=1), now, planned=[], unplanned=[]) is None


def test_quarters_sum_their_days():
    days = []
    for offset in range(60):  # 19 Nov 2026 .. 17 Jan 2027: two quarters
        day = DAY + dt.timedelta(days=offset)
        days.append((day, avail.day_figures(day, LATER + dt.timedelta(days=90), planned=[],
                                            unplanned=[], requests=10, failures=1,
                                            histogram=[10] + [0] * 11)))
    quarters = avail.quarters(days)
    assert list(quarters) == ["2026-Q4", "2027-Q1"]
    assert quarters["2026-Q4"].requests == 43 * 10
    assert quarters["2027-Q1"].start == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    assert quarters["2026-Q4"].uptime_percent == 100.0


def test_percentiles_from_histogram():
    hist = [0] * (len(BOUNDS_MS) + 1)
    hist[3] = 100  # all between 100 and 250 ms
    assert avail.percentile(hist, BOUNDS_MS, 0.5) == 175.0
    assert avail.percentile(hist, BOUNDS_MS, 0.99) == 248.5
    assert avail.percentile([0] * 12, BOUNDS_MS, 0.5) is None
    slow = [0] * 11 + [5]
    assert avail.percentile(slow, BOUNDS_MS, 0.95) == 30000.0


@given(st.lists(st.tuples(st.integers(0, 2000), st.integers(1, 600)), max_size=20))
def test_merged_intervals_never_overlap_and_keep_total_cover(spans):
    intervals = [(at(s / 60), at(s / 60) + dt.timedelta(minutes=length)) for s, length in spans]
    merged = avail.merge(intervals)
    for (_, end), (start, _) in zip(merged, merged[1:], strict=False):
        assert end < start
    covered = {m for s, e in intervals
               for m in range(int((s - START).total_seconds() // 60),
                              int((e - START).total_seconds() // 60))}
    assert avail.seconds(merged) == len(covered) * 60


def test_bar_classes():
    def fig(down):
        return avail.day_figures(DAY, LATER, planned=[], unplanned=[(at(0), at(0) + down)],
                                 requests=1)
    assert avail.bar_class(None) == "none"
    assert avail.bar_class(fig(dt.timedelta(0))) == "up"
    assert avail.bar_class(fig(dt.timedelta(minutes=5))) == "minor"
    assert avail.bar_class(fig(dt.timedelta(hours=1))) == "major"
    assert avail.bar_class(fig(dt.timedelta(hours=5))) == "down"
