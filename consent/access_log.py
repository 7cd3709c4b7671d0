"""Data-access audit events off the read path: queued in a Redis stream, chained in batches.

A read used to lock the consent row, append a hash-chained `data.accessed` event and update the
consent's head, in a transaction of its own: most of the cost of a cached `GET /balances`. Now
the read appends one entry to the stream `consent:access` (one XADD), and a flusher moves the
entries into the same append-only, hash-chained `consent_events` trail in batches: one
transaction per batch, each consent row locked once (in id order, so flushers never deadlock),
events chained exactly as `audit.append` chains every other event. `audit verify` therefore
covers them with no change, and flushes the queue first so it checks everything recorded.

Who flushes: a daemon thread per process every `flush_seconds` (started by the first record,
so each forked worker has its own), a final flush at interpreter exit (gunicorn's graceful
stop), and `flask --app wsgi consent flush-access-log`. Flushers on any host share the
stream through a consumer group: an entry is appended by one of them; entries a dead flusher
had taken are claimed by another after `claim_idle_seconds`.

Durability — what a process death can lose:
- Production (Redis): nothing once the read has answered — the entry is in Redis before the
  response is sent. What Redis keeps across its own crash is what its persistence keeps
  (AOF `appendfsync everysec`: up to a second of entries). Entries are removed from the
  stream only after their batch has committed, so a flusher dying mid-batch loses nothing; if it
  dies (or Redis fails) between the commit and the XACK, that batch is appended again: at least
  once, and a repeat is recognisable by its `access_id` (the stream id) in the event details.
- Embedded default (in-process fakeredis): entries not yet flushed (at most `flush_seconds`
  worth) are lost if the process is killed without a graceful exit.
- Order: an access event's `occurred_at` is the time of the read; its place in the chain is the
  time of the flush, so a state change made in between can precede it in `seq`.
- Visibility: the TPP's events endpoint shows an access after the next flush (≤ 1 s).
"""

from __future__ import annotations

import atexit
import datetime as dt
import json
import os
import socket
import threading
from collections import defaultdict
from typing import Any

import redis
from sqlalchemy import insert
from sqlalchemy.orm import Session

from consent import audit
from consent.audit import Actor
from consent.models import ConsentEvent
from consent.records import locked
from core.db import unit_of_work
from core.logging import get_logger

STREAM = "consent:access"
DEAD = "consent:access:dead"  # entries whose consent does not exist: kept, never dropped
GROUP = "chain"
ACTION = "data.accessed"

log = get_logger("consent.access_log")


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class AccessLog:
    def __init__(self, client: redis.Redis, session_factory, *, flush_seconds: float = 1.0,
                 batch: int = 500, claim_idle_seconds: float = 30.0) -> None:
        self.client = client
        self.session_factory = session_factory
        self.flush_seconds = flush_seconds
        self.batch = batch
        self.claim_idle_ms = int(claim_idle_seconds * 1000)
        self._group_ready = False
        self._flush_lock = threading.Lock()
        self._thread_pid: int | None = None
        self._stop = threading.Event()

    # -- the read path ----------------------------------------------------------------------
    def record(self, consent_id: str, *, resource: str, banks: list[str], actor: Actor,
               psu_present: bool, now: dt.datetime) -> None:
        """Queue one data access (one XADD). Raises redis.RedisError if it cannot be queued;
        the caller must then record it another way (aggregation chains it synchronously with
        `consent.service.record_access`) or not answer the read."""
        self.client.xadd(STREAM, {
            "c": consent_id, "a": actor.label, "i": actor.interaction_id or "",
            "t": now.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "d": json.dumps({"resource": resource, "banks": sorted(banks),
                             "psu_present": psu_present}, separators=(",", ":")),
        })
        if self.flush_seconds > 0 and self._thread_pid != os.getpid():
            self._start()

    # -- the flusher --------------------------------------------------------------------------
    def pending(self) -> int:
        return int(self.client.xlen(STREAM))

    def flush(self, max_batches: int | None = None) -> int:
        """Append queued entries to their consents' chains until the stream is drained (or
        `max_batches` batches); return how many events were appended."""
        appended = 0
        with self._flush_lock:
            self._ensure_group()
            batches = 0
            while max_batches is None or batches < max_batches:
                entries = self._take()
                if not entries:
                    break
                appended += self._append(entries)
                batches += 1
        return appended

    def _ensure_group(self) -> None:
        if self._group_ready:
            return
        try:
            self.client.xgroup_create(STREAM, GROUP, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._group_ready = True

    def _consumer(self) -> str:
        return f"{socket.gethostname()}-{os.getpid()}"

    def _take(self) -> list[tuple[str, dict[str, str]]]:
        """Entries a dead flusher left behind first, then new ones."""
        try:
            claimed = self.client.xautoclaim(STREAM, GROUP, self._consumer(),
                                             min_idle_time=self.claim_idle_ms,
                                             start_id="0-0", count=self.batch)[1]
            raw = claimed or (self.client.xreadgroup(GROUP, self._consumer(), {STREAM: ">"},
                                                     count=self.batch) or [[None, []]])[0][1]
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):  # the stream was flushed away: make the group again
                raise
            self._group_ready = False
            self._ensure_group()
            return []
        return [(_text(entry_id), {_text(k): _text(v) for k, v in fields.items()})
                for entry_id, fields in raw if fields]

    def _append(self, entries: list[tuple[str, dict[str, str]]]) -> int:
        by_consent: dict[str, list[tuple[str, dict[str, str]]]] = defaultdict(list)
        for entry in entries:
            by_consent[entry[1]["c"]].append(entry)
        orphans: list[tuple[str, dict[str, str]]] = []
        rows: list[dict[str, Any]] = []
        with self.session_factory() as session, unit_of_work(session):
            for consent_id in sorted(by_consent):
                rows += self._chain(session, consent_id, by_consent[consent_id], orphans)
            if rows:  # one executemany for the batch
                session.execute(insert(ConsentEvent), rows)
        pipe = self.client.pipeline(transaction=False)
        for _entry_id, fields in orphans:
            pipe.xadd(DEAD, fields)
        ids = [entry_id for entry_id, _ in entries]
        pipe.xack(STREAM, GROUP, *ids)
        pipe.xdel(STREAM, *ids)
        pipe.execute()
        if orphans:
            log.warning("access_log_orphans", count=len(orphans))
        return len(rows)

    @staticmethod
    def _chain(session: Session, consent_id: str, entries, orphans) -> list[dict[str, Any]]:
        """The consent's next events, chained as `audit.append` chains them; the consent row
        is locked and its head moved past them."""
        consent = locked(session, consent_id)
        if consent is None:
            orphans.extend(entries)
            return []
        rows = []
        seq, head = consent.audit_seq, consent.audit_head
        for entry_id, fields in entries:
            seq += 1
            text = audit.canonical({**json.loads(fields["d"]), "access_id": entry_id})
            occurred = dt.datetime.fromisoformat(fields["t"]).astimezone(dt.UTC)
            interaction = fields["i"] or None
            digest = audit.event_hash(consent_id, seq, occurred, fields["a"], ACTION, text,
                                      interaction, head)
            rows.append({"consent_id": consent_id, "seq": seq, "occurred_at": occurred,
                         "actor": fields["a"], "action": ACTION, "details": text,
                         "interaction_id": interaction, "prev_hash": head, "hash": digest})
            head = digest
        consent.audit_seq, consent.audit_head = seq, head
        return rows

    # -- the background thread ----------------------------------------------------------------
    def _start(self) -> None:
        with self._flush_lock:
            if self._thread_pid == os.getpid():
                return
            self._thread_pid = os.getpid()
            self._stop = threading.Event()
        threading.Thread(target=self._run, name="access-log-flush", daemon=True).start()
        atexit.register(self.close)

    def _run(self) -> None:
        while not self._stop.wait(self.flush_seconds):
            self._flush_quietly()

    def _flush_quietly(self) -> None:
        try:
            self.flush(max_batches=20)
        except Exception as exc:  # noqa: BLE001 - the next round retries; entries stay queued
            log.warning("access_log_flush_failed", error_type=type(exc).__name__,
                        error=str(exc)[:200])

    def close(self) -> None:
        """Stop this process's thread and flush what is queued (graceful shutdown)."""
        self._stop.set()
        if self._thread_pid == os.getpid():
            self._flush_quietly()


def for_app(app: Any) -> AccessLog:
    """The app's access log (one per app), built on first use. Without
    CONSENT_ACCESS_FLUSH_SECONDS, tests flush explicitly (a thread writing behind a test's
    back makes it flaky) and a server flushes every second."""
    found = app.extensions.get("consent.access_log")
    if found is None:
        seconds = app.config["CONSENT_ACCESS_FLUSH_SECONDS"]
        if seconds is None:
            seconds = 0.0 if app.testing else 1.0
        found = app.extensions.setdefault("consent.access_log", AccessLog(
            app.extensions["redis"], app.extensions["session_factory"],
            flush_seconds=seconds))
    return found
