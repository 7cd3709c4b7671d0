"""Concurrent fan-out to banks under one deadline per request. No Flask, no Redis.

Why this shape:
- One process-wide bounded pool, not a pool per request: a burst of requests queues behind a
  fixed number of bank threads instead of creating thousands of them.
- One deadline for the whole request: the answer takes as long as the slowest bank that
  answers in time, never the sum, and never longer than the deadline. Calls still queued when
  it passes are cancelled; calls already running are abandoned (their HTTP timeouts come from
  the same deadline, so they end soon after).
- Retries (tenacity, jittered exponential backoff) only for failures worth retrying on an
  idempotent read, and only while the next attempt can still finish inside the deadline.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_random_exponential


class Status(StrEnum):
    """Per-bank outcome of one aggregated read (`Aggregation.Banks[].Status`)."""

    OK = "ok"
    CACHED = "cached"
    TIMEOUT = "timeout"
    ERROR = "error"
    RATE_LIMITED = "rate_limited"
    PLANNED_DOWNTIME = "planned_downtime"
    REAUTHENTICATION_REQUIRED = "reauthentication_required"


class Deadline:
    """A point in monotonic time shared by every call of one request."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.expires = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self.expires - self.clock())

    def expired(self) -> bool:
        return self.remaining() <= 0.0


class DeadlineExceeded(TimeoutError):
    """The request's deadline passed before the bank answered."""


@dataclass(frozen=True)
class Failure:
    """What an exception means for the outcome, and whether another attempt may help."""

    status: Status
    error_type: str
    retryable: bool = False
    retry_after: float | None = None  # seconds, from the bank's Retry-After


GONE_CAUSES = frozenset({"consent_gone", "consent_revoked", "consent_expired",
                         "consent_unknown", "token_expired", "refresh_refused"})


def default_classify(exc: BaseException) -> Failure:
    """Bank errors by their documented `cause` and `retryable` (duck-typed, so this module
    needs no connector): timeouts are timeouts, a 429 is rate limiting with its Retry-After,
    a consent gone at the bank needs the PSU again; anything else is an error. Only what the
    error itself calls retryable is retried, plus plain timeouts."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, str):
        retry_after = getattr(exc, "retry_after", None)
        if cause == "rate_limited":
            return Failure(Status.RATE_LIMITED, cause, retry_after=retry_after)
        if cause in GONE_CAUSES:
            return Failure(Status.REAUTHENTICATION_REQUIRED, cause)
        status = Status.TIMEOUT if cause == "timeout" else Status.ERROR
        return Failure(status, cause, retryable=bool(getattr(exc, "retryable", False)))
    if isinstance(exc, TimeoutError):  # includes futures' TimeoutError and DeadlineExceeded
        return Failure(Status.TIMEOUT, "timeout", retryable=True)
    return Failure(Status.ERROR, type(exc).__name__)


@dataclass(frozen=True)
class Outcome:
    """One bank's result: the value on success, otherwise the status and error type."""

    key: str
    status: Status
    value: Any = None
    fetched_at: dt.datetime | None = None
    error_type: str | None = None
    retry_after: float | None = None
    latency_ms: float | None = None
    attempts: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    def but(self, **changes: Any) -> Outcome:
        return replace(self, **changes)


BankCall = Callable[[Deadline], Any]


class FanOut:
    """Runs bank calls concurrently on a shared bounded pool.

    `min_attempt_seconds` is the least time worth starting an attempt with: retrying with 5 ms
    left only adds load on a bank that is already struggling.
    """

    def __init__(self, max_workers: int = 64, *, max_attempts: int = 3,
                 backoff_seconds: float = 0.05, max_backoff_seconds: float = 0.4,
                 min_attempt_seconds: float = 0.05,
                 classify: Callable[[BaseException], Failure] = default_classify,
                 utcnow: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.max_workers = max_workers
        self.max_attempts = max_attempts
        self.backoff = wait_random_exponential(multiplier=backoff_seconds,
                                               max=max_backoff_seconds)
        self.min_attempt_seconds = min_attempt_seconds
        self.classify = classify
        self.utcnow = utcnow
        self.sleep = sleep
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()

    @property
    def pool(self) -> ThreadPoolExecutor:
        # Created on first use, so a forking server (gunicorn) gets its threads per worker.
        if self._pool is None:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.max_workers,
                                                    thread_name_prefix="bank-call")
        return self._pool

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def run(self, calls: Mapping[str, BankCall], deadline: Deadline) -> dict[str, Outcome]:
        """Every key of `calls` gets an Outcome; none raises. Returns when all have answered
        or the deadline passed, whichever is first."""
        if not calls:
            return {}
        futures = {key: self.pool.submit(self.attempt, key, call, deadline)
                   for key, call in calls.items()}
        wait(futures.values(), timeout=deadline.remaining())
        outcomes: dict[str, Outcome] = {}
        for key, future in futures.items():
            if future.done() and not future.cancelled():
                outcomes[key] = future.result()
            else:
                future.cancel()
                outcomes[key] = Outcome(key, Status.TIMEOUT, error_type="DeadlineExceeded")
        return outcomes

    def attempt(self, key: str, call: BankCall, deadline: Deadline) -> Outcome:
        """One bank, with retries inside the deadline. Never raises. The first attempt is a
        plain call: building tenacity's machinery for every call cost a tenth of a bank
        call's CPU, and nearly every call succeeds the first time."""
        started = time.perf_counter()
        try:
            value = call(deadline)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
            if self.classify(exc).retryable:
                return self._retried(key, call, deadline, started, exc)
            return self._failed(key, exc, 1, started)
        return Outcome(key, Status.OK, value=value, fetched_at=self.utcnow(),
                       attempts=1, latency_ms=_ms_since(started))

    def _retried(self, key: str, call: BankCall, deadline: Deadline, started: float,
                 first: Exception) -> Outcome:
        """The attempts after a retryable first failure, under tenacity's backoff; the first
        failure is replayed to it so that the backoff and the attempt limit count it."""
        attempts = 1
        replay: Exception | None = first

        def once():
            nonlocal attempts, replay
            if replay is not None:
                failed, replay = replay, None
                raise failed
            if deadline.remaining() < self.min_attempt_seconds:
                raise DeadlineExceeded(key)
            attempts += 1
            return call(deadline)

        retrying = Retrying(
            stop=stop_after_attempt(self.max_attempts) | self._stop_at(deadline),
            wait=self.backoff,
            retry=retry_if_exception(lambda exc: self.classify(exc).retryable),
            sleep=self.sleep,
            reraise=True,
        )
        try:
            value = retrying(once)
        except Exception as exc:  # noqa: BLE001 - every failure becomes an outcome
            return self._failed(key, exc, attempts, started)
        return Outcome(key, Status.OK, value=value, fetched_at=self.utcnow(),
                       attempts=attempts, latency_ms=_ms_since(started))

    def _failed(self, key: str, exc: BaseException, attempts: int, started: float) -> Outcome:
        failure = self.classify(exc)
        return Outcome(key, failure.status, error_type=failure.error_type,
                       retry_after=failure.retry_after, attempts=attempts,
                       latency_ms=_ms_since(started))

    def _stop_at(self, deadline: Deadline):
        def stop(retry_state) -> bool:
            upcoming = retry_state.upcoming_sleep or 0.0
            return deadline.remaining() < upcoming + self.min_attempt_seconds

        return stop


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
