"""Measured traffic: what our APIs answered and what banks answered us, cheaply.

On the hot path nothing leaves the process: a call is added to per-minute counters in memory,
and about once a second (`flush_seconds`) one Redis pipeline adds them to a per-minute hash per
target: count, failures, latency sum and a latency histogram. A round trip per request would
cost more than some of the requests it measures; a worker that dies loses at most its last
second of counts, and a minute flushed after it was rolled up is added on the next rollup.
The worker's `rollup` moves closed minutes into `status_daily_figures` (one row per target
and UTC day), noting the minutes that counted as down: at least half of that minute's calls
failed.

Targets are `api:<component>` and `bank:<bank id>`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import logging
import threading
import time
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.db import unit_of_work
from status.models import DailyFigures

log = logging.getLogger("status.measure")

# Histogram upper bounds in ms; one more bucket holds everything slower than the last.
BOUNDS_MS = (25, 50, 100, 250, 500, 750, 1000, 2000, 5000, 10000, 30000)
BUCKETS = len(BOUNDS_MS) + 1
KEY_TTL_SECONDS = 2 * 86400  # unrolled minutes survive a worker outage this long
PENDING = "status:m:pending"
PAUSE_SECONDS = 30.0


def minute_key(target: str, minute: int) -> str:
    return f"status:m:{target}:{minute}"


def bucket_of(latency_ms: float) -> int:
    return bisect.bisect_left(BOUNDS_MS, latency_ms)


def is_failing_minute(requests: int, failures: int) -> bool:
    return failures > 0 and failures * 2 >= requests


class Recorder:
    """Counts calls in memory and adds them to Redis in one pipeline per `flush_seconds`
    (0: on every call). If Redis fails it stops trying for a while and drops what it held, so
    a Redis outage costs one timeout, not one per request, and memory stays bounded."""

    def __init__(self, redis, flush_seconds: float = 1.0) -> None:
        self.redis = redis
        self.flush_seconds = flush_seconds
        self.paused_until = 0.0
        self._lock = threading.Lock()
        self._pending: dict[str, dict[str, float]] = {}
        self._flushed_at = time.monotonic()

    def record(self, target: str, ok: bool, latency_ms: float, at: dt.datetime) -> None:
        now = time.monotonic()
        if now < self.paused_until:
            return
        key = minute_key(target, int(at.timestamp() // 60))
        with self._lock:
            counts = self._pending.get(key)
            if counts is None:
                counts = self._pending[key] = defaultdict(float)
            counts["n"] += 1
            if not ok:
                counts["f"] += 1
            counts["s"] += float(latency_ms)
            counts[f"h{bucket_of(latency_ms)}"] += 1
            due = now - self._flushed_at >= self.flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        """Add what this process counted to Redis (the rollup calls it first, too)."""
        with self._lock:
            pending, self._pending = self._pending, {}
            self._flushed_at = time.monotonic()
        if not pending:
            return
        try:
            pipe = self.redis.pipeline(transaction=False)
            for key, counts in pending.items():
                for field, value in counts.items():
                    if field == "s":
                        pipe.hincrbyfloat(key, field, value)
                    else:
                        pipe.hincrby(key, field, int(value))
                pipe.expire(key, KEY_TTL_SECONDS)
            pipe.sadd(PENDING, *pending)
            pipe.execute()
        except Exception:  # noqa: BLE001 - measuring must never fail the request
            self.paused_until = time.monotonic() + PAUSE_SECONDS
            log.warning("status measurement paused: Redis unavailable", exc_info=True)


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _take(redis, key: str) -> dict[str, str]:
    """Read and delete atomically: two workers never both count a minute."""
    pipe = redis.pipeline(transaction=True)
    pipe.hgetall(key)
    pipe.delete(key)
    pipe.srem(PENDING, key)
    data, _, _ = pipe.execute()
    return {_text(k): _text(v) for k, v in (data or {}).items()}


def rollup(redis, session: Session, now: dt.datetime) -> int:
    """Move every closed minute into the daily figures; returns how many minutes moved."""
    current = int(now.timestamp() // 60)
    keys = [_text(k) for k in redis.smembers(PENDING)]
    days: dict[tuple[str, dt.date], dict] = defaultdict(
        lambda: {"n": 0, "f": 0, "s": 0.0, "h": [0] * BUCKETS, "down": []})
    moved = 0
    for key in sorted(keys):
        prefix, _, minute = key.rpartition(":")
        if not minute.isdigit() or int(minute) >= current:
            continue
        data = _take(redis, key)
        if not data:
            continue
        moved += 1
        target = prefix.removeprefix("status:m:")
        start = dt.datetime.fromtimestamp(int(minute) * 60, dt.UTC)
        acc = days[(target, start.date())]
        n, f = int(data.get("n", 0)), int(data.get("f", 0))
        acc["n"] += n
        acc["f"] += f
        acc["s"] += float(data.get("s", 0.0))
        for i in range(BUCKETS):
            acc["h"][i] += int(data.get(f"h{i}", 0))
        if is_failing_minute(n, f):
            acc["down"].append(start.hour * 60 + start.minute)
    if days:
        with unit_of_work(session):
            for (target, day), acc in days.items():
                _add(session, target, day, acc)
    return moved


def _add(session: Session, target: str, day: dt.date, acc: dict) -> None:
    insert = postgresql.insert if session.bind.dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(DailyFigures).values(
        target=target, day=day, requests=0, failures=0, latency_sum_ms=0.0,
        histogram=[0] * BUCKETS, failing_minutes=[]).on_conflict_do_nothing())
    row = session.scalars(select(DailyFigures).where(
        DailyFigures.target == target, DailyFigures.day == day).with_for_update()).one()
    row.requests += acc["n"]
    row.failures += acc["f"]
    row.latency_sum_ms += acc["s"]
    hist = list(row.histogram or [0] * BUCKETS)
    row.histogram = [a + b for a, b in zip(hist + [0] * (BUCKETS - len(hist)), acc["h"],
                                           strict=True)]
    row.failing_minutes = sorted(set(row.failing_minutes or []) | set(acc["down"]))
