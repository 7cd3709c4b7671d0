"""The per-bank circuit breaker and Retry-After gate, on Redis or the in-process fakeredis."""

from __future__ import annotations

import threading

import pytest

from aggregation.breaker import Admission, BankBreakers
from core.kv import make_redis
from tests import targets


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def kv(redis_url):
    client = make_redis(redis_url)
    yield client
    targets.flush(client)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def breakers(kv, clock):
    return BankBreakers(kv, threshold=3, open_seconds=10, window_seconds=30, probe_seconds=2,
                        clock=clock)


def admit(breakers, *banks):
    return {b: v.admission for b, v in breakers.admit({b: (b, f"{b}|c1") for b in banks}).items()}


def test_closed_until_threshold_consecutive_failures(breakers):
    for _ in range(2):
        breakers.record({"a": False})
    assert admit(breakers, "a") == {"a": Admission.CLOSED}
    assert breakers.record({"a": False}) == {"a": "open"}
    assert admit(breakers, "a", "b") == {"a": Admission.OPEN, "b": Admission.CLOSED}


def test_a_success_resets_the_count(breakers):
    breakers.record({"a": False})
    breakers.record({"a": False})
    breakers.record({"a": True})
    breakers.record({"a": False})
    breakers.record({"a": False})
    assert admit(breakers, "a")["a"] is Admission.CLOSED


def test_failures_outside_the_window_do_not_add_up(breakers, clock):
    breakers.record({"a": False})
    breakers.record({"a": False})
    clock.now += 31
    breakers.record({"a": False})
    assert admit(breakers, "a")["a"] is Admission.CLOSED


def test_half_open_admits_one_probe_whose_success_closes(breakers, clock):
    for _ in range(3):
        breakers.record({"a": False})
    clock.now += 10.5
    assert admit(breakers, "a")["a"] is Admission.PROBE
    assert admit(breakers, "a")["a"] is Admission.OPEN  # only one probe at a time
    breakers.record({"a": True})
    assert admit(breakers, "a")["a"] is Admission.CLOSED
    assert breakers.state("a") == {}


def test_a_failed_probe_reopens(breakers, clock):
    for _ in range(3):
        breakers.record({"a": False})
    clock.now += 11
    assert admit(breakers, "a")["a"] is Admission.PROBE
    assert breakers.record({"a": False}) == {"a": "open"}
    clock.now += 5
    assert admit(breakers, "a")["a"] is Admission.OPEN
    clock.now += 6
    assert admit(breakers, "a")["a"] is Admission.PROBE


def test_a_lost_probe_is_replaced_after_the_probe_period(breakers, clock):
    for _ in range(3):
        breakers.record({"a": False})
    clock.now += 11
    assert admit(breakers, "a")["a"] is Admission.PROBE
    clock.now += 2.5  # the probing worker died without recording
    assert admit(breakers, "a")["a"] is Admission.PROBE


def test_state_is_shared_by_every_worker(kv, clock, redis_url):
    """Two breaker objects (two workers) over one Redis see the same state."""
    first = BankBreakers(kv, threshold=2, open_seconds=10, clock=clock)
    second = BankBreakers(kv, threshold=2, open_seconds=10, clock=clock)
    first.record({"a": False})
    second.record({"a": False})
    assert first.admit({"x": ("a", "s")})["x"].admission is Admission.OPEN
    clock.now += 11
    probes = []

    def probe(breakers):
        probes.append(breakers.admit({"x": ("a", "s")})["x"].admission)

    threads = [threading.Thread(target=probe, args=(b,)) for b in (first, second) * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert probes.count(Admission.PROBE) == 1


def test_retry_after_defers_calls_in_its_scope_only(breakers, clock):
    breakers.defer("a|c1", 30)
    verdicts = breakers.admit({"k1": ("a", "a|c1"), "k2": ("a", "a|c2")})
    assert verdicts["k1"].admission is Admission.WAIT
    assert verdicts["k1"].wait_seconds == pytest.approx(30)
    assert verdicts["k2"].admission is Admission.CLOSED
    clock.now += 31
    assert breakers.admit({"k1": ("a", "a|c1")})["k1"].admission is Admission.CLOSED


def test_may_call():
    assert Admission.CLOSED.may_call and Admission.PROBE.may_call
    assert not Admission.OPEN.may_call and not Admission.WAIT.may_call


def test_nothing_to_do(breakers):
    assert breakers.admit({}) == {} and breakers.record({}) == {}
