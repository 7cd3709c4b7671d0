"""Reading transaction histories from banks into the store, page by page. No Flask.

Each account is one job on the bank-call pool: it asks its bank for pages and hands each one
over a small bounded queue to the request thread, which writes it (one unit of work per page,
the account's resume point with it). Memory stays bounded by the queue, never a whole history;
a bank that breaks mid-way leaves what it sent stored and its cursor recorded, so the next
read resumes there instead of serving a silently short history.

A long read with the PSU present is split into booking-date windows (`txn_windows`), each
read by its own job on the pool, so the account's pages are not one chain of round trips;
the account is complete when every window is. A split read that breaks records the start of
its oldest unfinished window as its resume point (no bank cursor: one would end at its
window's edge), and the next read lists from there again (rows are upserted, so what it lists
twice lands once).

Windows: the first sync reads the whole window (the consent's TransactionFromDateTime, at most
`HISTORY_DAYS` back); later ones from the last complete sync less `OVERLAP` (late bookings,
pending entries that book), or, after a break, the interrupted window from its cursor.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from aggregation.connectors.base import BankAccess
from aggregation.connectors.errors import TokenExpired
from aggregation.fanout import Deadline, Status, default_classify
from aggregation.models import TransactionSync
from aggregation.txn_store import TransactionStore
from aggregation.txn_windows import split
from core.db import unit_of_work

HISTORY_DAYS = 730  # 24 months
OVERLAP = dt.timedelta(days=3)
QUEUE_PAGES = 8


@dataclass
class Job:
    """One account to read. `refresh` trades the refresh token for new tokens (once)."""

    bank_id: str
    bank_account_id: str
    account_id: str
    connector: Any
    access: BankAccess
    booked_from: dt.datetime
    booked_to: dt.datetime | None
    cursor: str | None
    psu_ip: str | None
    refresh: Callable[[], Any] | None = None
    started: dt.datetime | None = None  # when the window being completed was first asked for
    known: bool = False  # the account has a stored history (see `TransactionStore.write`)
    parts: list[Part] = field(default_factory=list)  # set by `Syncer.run`


@dataclass
class Part:
    """One booking-date window of a job, read by its own producer."""

    booked_from: dt.datetime
    booked_to: dt.datetime | None
    cursor: str | None
    ended: bool = False
    done: bool = False  # listed to its end
    place: str | None = None  # the bank's link to the page after the last one written


@dataclass
class Result:
    """One account's sync: how it ended and how much came."""

    status: Status = Status.OK
    error_type: str | None = None
    retry_after: float | None = None
    pages: int = 0
    written: int = 0
    tokens: Any = None
    done: bool = False
    latency: list[float] = field(default_factory=list)


def _waiting(pages: queue.Queue) -> list:
    """Every item already in the queue, without waiting."""
    items = []
    while True:
        try:
            items.append(pages.get_nowait())
        except queue.Empty:
            return items


def plan(row: TransactionSync | None, resume_cursor: str | None, window_from: dt.datetime,
         now: dt.datetime, oldest_pending: dt.datetime | None = None
         ) -> tuple[dt.datetime, str | None, dt.datetime]:
    """(booked_from, bank cursor, started) for the next sync of an account. An incremental
    sync reaches back to the oldest entry still pending, so its booking is seen."""
    if row is None:
        return window_from, None, now
    if row.state == "partial":
        return max(window_from, row.resume_from or window_from), resume_cursor, \
            min(now, row.synced_at)
    since = (row.high_water or window_from) - OVERLAP
    if oldest_pending is not None:
        since = min(since, oldest_pending)
    return max(window_from, min(since, now)), None, now


class Syncer:
    def __init__(self, store: TransactionStore, pool, categorise, open_cursor, seal_cursor,
                 queue_pages: int = QUEUE_PAGES) -> None:
        self.store, self.pool, self.categorise = store, pool, categorise
        self.open_cursor, self.seal_cursor = open_cursor, seal_cursor
        self.queue_pages = queue_pages

    def state(self, session: Session, consent_id: str, account_id: str
              ) -> TransactionSync | None:
        return session.get(TransactionSync, (consent_id, account_id))

    def run(self, session: Session, consent_id: str, jobs: list[Job], deadline: Deadline,
            now: dt.datetime) -> dict[str, Result]:
        """Every job gets a Result (keyed by our AccountId); none raises."""
        results = {job.account_id: Result() for job in jobs}
        if not jobs:
            return results
        pages: queue.Queue = queue.Queue(self.queue_pages)
        stop = threading.Event()
        for job in jobs:
            job.parts = self._parts(job, now)
            for part in job.parts:
                self.pool.submit(self._produce, job, part, pages, stop, deadline)
        open_jobs = {job.account_id: job for job in jobs}
        failures: dict[str, BaseException] = {}
        try:
            while open_jobs:
                try:
                    batch = [pages.get(timeout=max(deadline.remaining(), 0.001))]
                except queue.Empty:
                    break
                batch += _waiting(pages)
                # what the banks have handed over meanwhile is written in one commit (each
                # page still with its account's resume point): a read of six accounts made
                # twelve commits, one round trip and one flush to disk each
                with unit_of_work(session):
                    for kind, job, part, value in batch:
                        result = results[job.account_id]
                        if kind == "page":
                            self._write(session, consent_id, job, part, value, result, now)
                        elif kind == "tokens":
                            result.tokens = value
                        else:
                            part.ended, part.done = True, kind == "done"
                            if kind == "failed":
                                failures.setdefault(job.account_id, value)
                            if all(p.ended for p in job.parts):
                                open_jobs.pop(job.account_id, None)
                                self._finish(session, consent_id, job, result,
                                             failures.get(job.account_id), now)
        finally:
            stop.set()
        for job in open_jobs.values():  # the deadline passed mid-way
            self._finish(session, consent_id, job, results[job.account_id],
                         TimeoutError("deadline"), now)
        return results

    @staticmethod
    def _parts(job: Job, now: dt.datetime) -> list[Part]:
        """The whole window at once, or (a fresh read with the PSU present) split; a split
        job's token refresh is shared, so its windows trade the refresh token once."""
        if job.cursor is not None or not job.psu_ip:
            return [Part(job.booked_from, job.booked_to, job.cursor)]
        windows = split(job.booked_from, job.booked_to, now)
        if len(windows) > 1 and job.refresh is not None:
            job.refresh = _once(job.refresh)
        return [Part(start, end, None) for start, end in windows]

    def _produce(self, job: Job, part: Part, pages: queue.Queue, stop: threading.Event,
                 deadline: Deadline) -> None:
        def hand(kind: str, value: Any) -> bool:
            while not stop.is_set():
                try:
                    pages.put((kind, job, part, value), timeout=0.05)
                    return True
                except queue.Full:
                    continue
            return False

        access, refresh, yielded = job.access, job.refresh, False
        while True:
            try:
                for page in job.connector.read_transactions(
                        access, job.bank_account_id, booked_from=part.booked_from,
                        booked_to=part.booked_to, cursor=part.cursor,
                        psu_present=bool(job.psu_ip), psu_ip=job.psu_ip,
                        timeout=deadline.remaining()):
                    yielded = True
                    if not hand("page", page) or deadline.expired():
                        return
                hand("done", None)
                return
            except TokenExpired as exc:
                if yielded or refresh is None:
                    hand("failed", exc)
                    return
                try:
                    tokens = refresh()
                except Exception as failure:  # noqa: BLE001 - reported as this bank's outcome
                    hand("failed", failure)
                    return
                hand("tokens", tokens)
                access, refresh = BankAccess(access.consent_id, tokens.access_token), None
            except Exception as exc:  # noqa: BLE001 - every failure becomes the job's outcome
                hand("failed", exc)
                return

    def _write(self, session, consent_id, job: Job, part: Part, page, result: Result,
               now) -> None:
        keyed = [(self.store.key_for(job.bank_id, job.bank_account_id, tx), tx)
                 for tx in page.transactions]
        with unit_of_work(session):
            result.written += self.store.write(session, consent_id, job.account_id,
                                               job.bank_id, keyed, now, self.categorise,
                                               known=job.known)
            result.pages += 1
            part.place = page.next_cursor
            self._save(session, consent_id, job, "partial", now, pages=1)

    def _finish(self, session, consent_id, job: Job, result: Result, failure, now) -> None:
        with unit_of_work(session):
            if failure is None:
                result.done = True
                if job.cursor is None:  # the whole window was listed in this run
                    self.store.drop_vanished_pending(session, consent_id, job.account_id,
                                                     job.booked_from, now)
                self._save(session, consent_id, job, "complete", now)
                return
            verdict = default_classify(failure)
            result.status, result.error_type = verdict.status, verdict.error_type
            result.retry_after = verdict.retry_after
            self._save(session, consent_id, job, "partial", now,
                       error_type=verdict.error_type)

    def _save(self, session, consent_id, job: Job, state: str, now, *, pages=0,
              error_type=None) -> None:
        row = session.get(TransactionSync, (consent_id, job.account_id))
        if row is None:
            row = TransactionSync(consent_id=consent_id, account_id=job.account_id,
                                  window_from=job.booked_from, high_water=None, pages=0)
            session.add(row)
        row.bank_id, row.bank_account_id, row.state = job.bank_id, job.bank_account_id, state
        row.window_from = min(row.window_from, job.booked_from)
        row.pages, row.error_type = (row.pages or 0) + pages, error_type  # pages ever read
        if state == "complete":
            row.high_water = job.started or now
            row.resume_from = row.resume_cursor = row.key_id = None
            row.synced_at = now
            return
        row.resume_from, cursor = _resume(job)
        row.key_id, row.resume_cursor = self.seal_cursor(consent_id, job.account_id, cursor)
        row.synced_at = job.started or now


def _resume(job: Job) -> tuple[dt.datetime, str | None]:
    """Where the next read of a job that has not ended starts: the oldest unfinished
    window's start, and the bank's link into it when it is the one window left and runs to
    the end of the job's (a link stays inside its window, so it cannot finish the others)."""
    left = [p for p in job.parts if not p.done]
    if not left:
        return job.booked_from, None
    if len(left) == 1 and left[0] is job.parts[-1]:
        only = left[0]
        return only.booked_from, only.place if only.place is not None else only.cursor
    return left[0].booked_from, None


def _once(refresh: Callable[[], Any]) -> Callable[[], Any]:
    """`refresh` called at most once whichever thread asks first; the others get its tokens
    (or its failure): a bank may rotate the refresh token, so a second trade would fail."""
    lock, outcome = threading.Lock(), []

    def shared():
        with lock:
            if not outcome:
                try:
                    outcome.append((refresh(), None))
                except Exception as failure:  # noqa: BLE001 - re-raised to every caller
                    outcome.append((None, failure))
        tokens, failure = outcome[0]
        if failure is not None:
            raise failure
        return tokens

    return shared
