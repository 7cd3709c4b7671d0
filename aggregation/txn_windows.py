"""Booking-date windows an account's long read is split into, read concurrently. No Flask.

Why: a bank pages a listing as a chain of dependent calls (each page names the next), so 24
months of history cost one round trip per page, one after another. Both standards take date
bounds (UK OB `fromBookingDateTime`/`toBookingDateTime`, Berlin Group `dateFrom`/`dateTo`), so
disjoint windows of the same account can be asked for at once and merged in the store.

The windows share their edges: each ends at the midnight (UTC) the next one starts at, both
bounds inclusive, so nothing falls between two windows, even at a bank that filters by date
(Berlin Group); an entry listed by both lands on the same row (ours is keyed by the bank's
id). The newest window stays open-ended, as the whole read would be, so pending entries and
what books meanwhile are listed by it. Only a read with the PSU present is split: a bank
counts each unattended listing against the consent's daily allowance (RTS Art. 36(5)), and
one read must stay one access.
"""

from __future__ import annotations

import datetime as dt

PART_DAYS = 120  # a window at least twice as long is split into parts of about this length
MAX_PARTS = 6  # calls in flight per account: a bank serves many consents, not just ours

Window = tuple[dt.datetime, dt.datetime | None]


def split(booked_from: dt.datetime, booked_to: dt.datetime | None, now: dt.datetime, *,
          part_days: int = PART_DAYS, max_parts: int = MAX_PARTS) -> list[Window]:
    """[booked_from, booked_to] as consecutive windows, oldest first, covering it whole."""
    end = booked_to if booked_to is not None else now
    count = min(max_parts, int((end - booked_from) / dt.timedelta(days=part_days)))
    if count < 2:
        return [(booked_from, booked_to)]
    step = (end - booked_from) / count
    edges = sorted({_midnight(booked_from + step * n) for n in range(1, count)})
    edges = [e for e in edges if booked_from < e < end]
    starts = [booked_from, *edges]
    ends: list[dt.datetime | None] = [*edges, booked_to]
    return list(zip(starts, ends, strict=True))


def _midnight(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
