"""Balance cache per account and the unattended-read allowance (frequencyPerDay)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from aggregation.cache import Allowance, BalanceCache
from core.kv import make_redis

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def kv(redis_url):
    client = make_redis(redis_url)
    yield client
    client.flushdb()


def test_round_trip_per_account_and_per_link(kv):
    cache = BalanceCache(kv, fresh_seconds=30)
    cache.write_links({("c1", "bankA"): {"acc-1": {"x": "1.00"}, "acc-2": {"x": "2.00"}},
                       ("c1", "bankB"): {"acc-3": {"x": "3.00"}}},
                      {("c1", "bankA"): NOW, ("c1", "bankB"): NOW})
    links = cache.read_links([("c1", "bankA"), ("c1", "bankB"), ("c1", "bankC")])
    assert [e.account_id for e in links[("c1", "bankA")]] == ["acc-1", "acc-2"]
    assert links[("c1", "bankB")][0].data == {"x": "3.00"}
    assert links[("c1", "bankC")] == []
    one = cache.read_account("c1", "bankA", "acc-2")
    assert one.data == {"x": "2.00"} and one.fetched_at == NOW
    assert cache.read_account("c1", "bankA", "nope") is None


def test_freshness_and_retention(kv):
    cache = BalanceCache(kv, fresh_seconds=30)
    cache.write_links({("c1", "b"): {"a": {}}}, {("c1", "b"): NOW})
    entry = cache.read_account("c1", "b", "a")
    assert entry.is_fresh(NOW + dt.timedelta(seconds=29), 30)
    assert not entry.is_fresh(NOW + dt.timedelta(seconds=31), 30)
    assert kv.ttl("agg:bal:c1:b") > 25 * 3600


def test_a_full_read_replaces_and_a_single_read_updates(kv):
    cache = BalanceCache(kv)
    cache.write_links({("c1", "b"): {"a": {"v": 1}, "gone": {"v": 0}}}, {("c1", "b"): NOW})
    cache.write_links({("c1", "b"): {"a": {"v": 2}}}, {("c1", "b"): NOW})
    assert [e.account_id for e in cache.read_links([("c1", "b")])[("c1", "b")]] == ["a"]
    later = NOW + dt.timedelta(minutes=1)
    cache.write_links({("c1", "b"): {"new": {"v": 3}}}, {("c1", "b"): later}, replace=False)
    entries = {e.account_id: e for e in cache.read_links([("c1", "b")])[("c1", "b")]}
    assert set(entries) == {"a", "new"} and entries["new"].fetched_at == later


def test_unreadable_entries_are_misses(kv):
    kv.hset("agg:bal:c1:b", mapping={"a": "{not json", "b": '{"fetched_at": "x"}'})
    assert BalanceCache(kv).read_links([("c1", "b")])[("c1", "b")] == []


def test_allowance_counts_per_consent_account_and_day(kv):
    clock = [NOW]
    allowance = Allowance(kv, clock=lambda: clock[0])
    assert all(allowance.consume("c1", ["a", "b"], 4) for _ in range(4))
    assert not allowance.consume("c1", ["a"], 4)
    assert not allowance.consume("c1", ["a", "z"], 4)
    assert allowance.used("c1", "z") == 0  # a refused read counts for nobody
    assert allowance.consume("c2", ["a"], 4)  # another consent has its own allowance
    assert allowance.consume("c1", ["z"], 4)
    clock[0] = NOW + dt.timedelta(days=1)
    assert allowance.consume("c1", ["a"], 4)  # a new UTC day
    assert allowance.consume("c1", [], 4)


def test_allowance_cannot_be_overshot_by_concurrent_workers(kv):
    allowance = Allowance(kv, clock=lambda: NOW)
    granted = []

    def read():
        granted.append(allowance.consume("c1", ["a"], 4))

    threads = [threading.Thread(target=read) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert granted.count(True) == 4 and allowance.used("c1", "a") == 4
