"""Times and durations on the command line (core/timespec.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.timespec import format_duration, parse_duration, parse_time

NOW = dt.datetime(2026, 12, 2, 11, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("2h", dt.timedelta(hours=2)),
    ("90m", dt.timedelta(minutes=90)),
    ("1h30m", dt.timedelta(hours=1, minutes=30)),
    ("1d", dt.timedelta(days=1)),
    ("1w2d", dt.timedelta(days=9)),
    ("45s", dt.timedelta(seconds=45)),
    ("PT2H", dt.timedelta(hours=2)),
    ("pt90m", dt.timedelta(minutes=90)),
    ("P1DT6H", dt.timedelta(days=1, hours=6)),
    ("P2W", dt.timedelta(weeks=2)),
    ("P1D", dt.timedelta(days=1)),
])
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "2", "h", "2x", "P", "PT", "P1DT", "P1M", "P1Y", "2h 3m",
                                  "-2h", "1.5h", "T2H"])
def test_refused_durations_say_the_forms(text):
    with pytest.raises(ValueError, match="PT2H"):
        parse_duration(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("+2h", NOW + dt.timedelta(hours=2)),
    ("-30m", NOW - dt.timedelta(minutes=30)),
    ("+PT2H", NOW + dt.timedelta(hours=2)),
    ("now", NOW),
    ("2026-12-24T01:00Z", dt.datetime(2026, 12, 24, 1, 0, tzinfo=dt.UTC)),
    ("2026-12-24T01:00", dt.datetime(2026, 12, 24, 1, 0, tzinfo=dt.UTC)),
    ("2026-12-24T02:00+01:00", dt.datetime(2026, 12, 24, 1, 0, tzinfo=dt.UTC)),
])
def test_times(text, expected):
    assert parse_time(text, NOW) == expected


@pytest.mark.parametrize("text", ["tomorrow", "+", "+2", "24/12/2026", "+P1M"])
def test_refused_times_say_the_forms(text):
    with pytest.raises(ValueError, match=r"\+2h"):
        parse_time(text, NOW)


durations = st.builds(dt.timedelta, days=st.integers(0, 400), hours=st.integers(0, 23),
                      minutes=st.integers(0, 59), seconds=st.integers(0, 59))


def iso(delta: dt.timedelta) -> str:
    hours, rest = divmod(delta.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"P{delta.days}DT{hours}H{minutes}M{seconds}S"


@given(durations)
def test_property_compact_and_iso_forms_round_trip(delta):
    assert parse_duration(format_duration(delta)) == delta
    assert parse_duration(iso(delta)) == delta


@given(durations, st.sampled_from(["+", "-"]))
def test_property_relative_time_is_now_plus_the_duration(delta, sign):
    moved = parse_time(sign + format_duration(delta), NOW)
    assert moved == (NOW + delta if sign == "+" else NOW - delta)
    assert moved.tzinfo is not None


@given(st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1)))
def test_property_absolute_iso_times_still_accepted_as_utc(moment):
    assert parse_time(moment.isoformat(), NOW) == moment.replace(tzinfo=dt.UTC)
    assert parse_time(moment.isoformat() + "Z", NOW) == moment.replace(tzinfo=dt.UTC)
