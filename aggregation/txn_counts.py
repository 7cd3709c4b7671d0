"""How many entries a listing holds, kept per worker: a listing's count and its oldest and
newest booking, for `Meta.TotalPages` and the available window. Runs inside the caller's unit
of work; no Flask.

Counting a 24-month history is a scan of its index range (tens of milliseconds at 13,000
rows), and every read after a sync needs the count again. A sync rewrites the last days, so a
listing is split at a boundary `HEAD_DAYS` back: the head, counted once and kept, and the
tail, counted after every sync (an index range of a few days). The head is counted again when
a row in it was written after it was counted (the `seen_at` index answers that in one
probe), when it held pending entries (which may vanish without a trace) or after
`SUMMARY_SECONDS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aggregation.models import StoredTransaction as T
from core.ttlcache import TtlCache

SUMMARIES = 4096  # listings whose count and bounds a worker keeps
SUMMARY_SECONDS = 600.0  # how long a worker trusts a count it keeps
HEAD_DAYS = 14  # a listing's tail, recounted after every sync: the last two weeks


@dataclass(frozen=True)
class Tally:
    """How many entries a listing holds, and its oldest and newest booking."""

    count: int
    oldest: dt.datetime | None
    newest: dt.datetime | None

    def plus(self, other: Tally) -> Tally:
        oldest = [t for t in (self.oldest, other.oldest) if t is not None]
        newest = [t for t in (self.newest, other.newest) if t is not None]
        return Tally(self.count + other.count, min(oldest, default=None),
                     max(newest, default=None))


@dataclass(frozen=True)
class Head:
    """The part of a listing booked before `before`, as counted at `as_of`; `settled` when
    it held no pending entry (a pending entry may vanish without a trace)."""

    before: dt.datetime
    tally: Tally
    as_of: dt.datetime
    settled: bool


class Counts:
    """`where(query)`: the conditions of a listing (`TransactionStore._where`)."""

    def __init__(self, where: Callable[[object], list]) -> None:
        self.where = where
        self._summaries: TtlCache[Tally] = TtlCache(SUMMARY_SECONDS, SUMMARIES)
        self._heads: TtlCache[Head] = TtlCache(SUMMARY_SECONDS, SUMMARIES)

    def summary(self, session: Session, query, version: Hashable,
                now: dt.datetime) -> Tally:
        """(entries, oldest, newest booking) of a listing, kept per listing and `version`
        (what the consent's syncs have written so far): walking pages of an unchanged history
        counts once per worker, and a new version counts the tail and keeps the head."""
        return self._summaries.get((query, version), lambda: self._tally(session, query, now))

    def _tally(self, session: Session, query, now: dt.datetime) -> Tally:
        head = self._heads.get(query, lambda: self._head(session, query, now))
        if not self._head_holds(session, query, head):
            head = self._head(session, query, now)
            self._heads.put(query, head)
        tail = session.execute(select(func.count(), func.min(T.booked_at), func.max(
            T.booked_at)).where(*self.where(query), T.booked_at >= head.before)).one()
        return head.tally.plus(Tally(tail[0] or 0, tail[1], tail[2]))

    def _head(self, session: Session, query, now: dt.datetime) -> Head:
        before = (now - dt.timedelta(days=HEAD_DAYS)).replace(hour=0, minute=0, second=0,
                                                              microsecond=0)
        row = session.execute(select(
            func.count(), func.min(T.booked_at), func.max(T.booked_at),
            func.count().filter(T.status == "pending")).where(
            *self.where(query), T.booked_at < before)).one()
        return Head(before, Tally(row[0] or 0, row[1], row[2]), now, not row[3])

    def _head_holds(self, session: Session, query, head: Head) -> bool:
        """Nothing in the head was written since it was counted (the request that counted
        it wrote at its own `now`, which is `as_of`)."""
        if not head.settled:
            return False
        written = session.execute(select(T.key).where(
            *self.where(query), T.seen_at > head.as_of, T.booked_at < head.before).limit(1))
        return written.first() is None
