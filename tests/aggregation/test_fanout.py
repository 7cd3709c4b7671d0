"""The fan-out: concurrency under one deadline, outcomes per bank, retries inside the deadline."""

from __future__ import annotations

import threading
import time

import pytest

from aggregation.fanout import Deadline, Failure, FanOut, Status


class BankDown(Exception):
    pass


class Throttled(Exception):
    retry_after = 7.0


def classify(exc: BaseException) -> Failure:
    if isinstance(exc, TimeoutError):
        return Failure(Status.TIMEOUT, "Timeout", retryable=True)
    if isinstance(exc, BankDown):
        return Failure(Status.ERROR, "BankDown", retryable=True)
    if isinstance(exc, Throttled):
        return Failure(Status.RATE_LIMITED, "Throttled", retry_after=exc.retry_after)
    return Failure(Status.ERROR, type(exc).__name__)


@pytest.fixture
def fanout():
    pool = FanOut(max_workers=32, classify=classify, backoff_seconds=0.01,
                  max_backoff_seconds=0.02)
    yield pool
    pool.shutdown()


def sleeper(seconds: float, value="ok"):
    def call(_deadline):
        time.sleep(seconds)
        return value

    return call


def test_latency_follows_the_slowest_bank_not_the_sum(fanout):
    calls = {f"bank{i}": sleeper(0.1, i) for i in range(20)}
    started = time.perf_counter()
    outcomes = fanout.run(calls, Deadline(2.0))
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5
    assert {o.status for o in outcomes.values()} == {Status.OK}
    assert outcomes["bank7"].value == 7 and outcomes["bank7"].fetched_at.tzinfo is not None


def test_one_deadline_for_the_whole_request(fanout):
    calls = {"fast": sleeper(0.01), "slow": sleeper(1.0), "slower": sleeper(3.0)}
    started = time.perf_counter()
    outcomes = fanout.run(calls, Deadline(0.2))
    assert time.perf_counter() - started < 0.4
    assert outcomes["fast"].status is Status.OK
    assert outcomes["slow"].status is Status.TIMEOUT
    assert outcomes["slow"].error_type == "DeadlineExceeded"
    assert outcomes["slower"].status is Status.TIMEOUT


def test_transient_failures_are_retried_then_succeed(fanout):
    attempts = []

    def flaky(_deadline):
        attempts.append(1)
        if len(attempts) < 3:
            raise BankDown()
        return "balances"

    outcome = fanout.run({"b": flaky}, Deadline(2.0))["b"]
    assert outcome.status is Status.OK and outcome.value == "balances"
    assert outcome.attempts == 3


def test_retries_stop_at_the_attempt_limit(fanout):
    def down(_deadline):
        raise BankDown()

    outcome = fanout.run({"b": down}, Deadline(2.0))["b"]
    assert outcome.status is Status.ERROR and outcome.error_type == "BankDown"
    assert outcome.attempts == 3


def test_retries_never_outlive_the_deadline():
    pool = FanOut(max_workers=4, classify=classify, max_attempts=100, backoff_seconds=0.05,
                  max_backoff_seconds=0.05, min_attempt_seconds=0.02)
    calls = []

    def down(_deadline):
        calls.append(time.perf_counter())
        raise BankDown()

    started = time.perf_counter()
    outcome = pool.run({"b": down}, Deadline(0.3))["b"]
    pool.shutdown()
    assert outcome.status in (Status.ERROR, Status.TIMEOUT)
    assert calls[-1] - started < 0.3
    assert 2 <= len(calls) < 100


def test_non_retryable_failures_are_not_retried(fanout):
    attempts = []

    def throttled(_deadline):
        attempts.append(1)
        raise Throttled()

    outcome = fanout.run({"b": throttled}, Deadline(2.0))["b"]
    assert outcome.status is Status.RATE_LIMITED and outcome.retry_after == 7.0
    assert len(attempts) == 1


def test_no_exception_escapes(fanout):
    def broken(_deadline):
        raise ValueError("malformed JSON")

    def keyboard(_deadline):
        raise KeyError("Data")

    outcomes = fanout.run({"a": broken, "b": keyboard, "c": sleeper(0)}, Deadline(1.0))
    assert outcomes["a"].status is Status.ERROR and outcomes["a"].error_type == "ValueError"
    assert outcomes["b"].status is Status.ERROR
    assert outcomes["c"].status is Status.OK


def test_calls_see_the_shared_deadline(fanout):
    seen = []

    def call(deadline):
        seen.append(deadline.remaining())
        return None

    fanout.run({"a": call, "b": call}, Deadline(1.0))
    assert all(0 < s <= 1.0 for s in seen) and len(seen) == 2


def test_the_pool_is_shared_and_bounded():
    pool = FanOut(max_workers=2, classify=classify)
    active, peak, lock = [0], [0], threading.Lock()

    def call(_deadline):
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        time.sleep(0.05)
        with lock:
            active[0] -= 1

    first = pool.pool
    outcomes = pool.run({f"b{i}": call for i in range(6)}, Deadline(2.0))
    assert pool.pool is first
    assert peak[0] == 2 and all(o.ok for o in outcomes.values())
    # queued calls that cannot start before the deadline are cancelled, not run later
    outcomes = pool.run({f"b{i}": call for i in range(20)}, Deadline(0.06))
    assert sum(o.status is Status.TIMEOUT for o in outcomes.values()) >= 16
    pool.shutdown()


def test_empty_fanout(fanout):
    assert fanout.run({}, Deadline(1.0)) == {}
