"""Balance cache per account and the unattended-read allowance (frequencyPerDay)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from aggregation.cache import Allowance, BalanceCache, consent_key
from core.kv import make_redis
from tests import targets

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def kv(redis_url):
    client = make_redis(redis_url)
    yield client
    targets.flush(client)


def test_round_trip_per_consent_bank_and_account(kv):
    cache = BalanceCache(kv, fresh_seconds=30)
    cache.write("c1", {"bankA": {"acc-2": {"x": "2.00"}, "acc-1": {"x": "1.00"}},
                       "bankB": {"acc-3": {"x": "3.00"}}}, {"bankA": NOW, "bankB": NOW})
    banks = cache.read("c1", NOW)
    assert set(banks) == {"bankA", "bankB"}  # a bank without entries is absent
    assert [e.account_id for e in banks["bankA"]] == ["acc-1", "acc-2"]
    assert banks["bankB"][0].data == {"x": "3.00"}
    assert cache.read("c2", NOW) == {}  # another consent sees nothing of it
    one = cache.read_account("c1", "bankA", "acc-2")
    assert one.data == {"x": "2.00"} and one.fetched_at == NOW
    assert cache.read_account("c1", "bankA", "nope") is None
    assert cache.read_account("c1", "bankC", "acc-1") is None


def test_freshness_and_retention(kv):
    cache = BalanceCache(kv, fresh_seconds=30)
    cache.write("c1", {"b": {"a": {}}}, {"b": NOW})
    entry = cache.read_account("c1", "b", "a")
    assert entry.is_fresh(NOW + dt.timedelta(seconds=29), 30)
    assert not entry.is_fresh(NOW + dt.timedelta(seconds=31), 30)
    assert kv.ttl(consent_key("c1")) > 25 * 3600


def test_an_entry_past_retention_is_a_miss_while_other_banks_keep_the_key(kv):
    cache = BalanceCache(kv, keep_seconds=3600)
    cache.write("c1", {"old": {"a": {}}}, {"old": NOW})
    later = NOW + dt.timedelta(hours=2)
    cache.write("c1", {"new": {"b": {}}}, {"new": later})
    assert set(cache.read("c1", later)) == {"new"}
    assert set(cache.read("c1", NOW + dt.timedelta(minutes=59))) == {"old", "new"}


def test_a_bank_read_replaces_that_bank_only(kv):
    cache = BalanceCache(kv)
    cache.write("c1", {"b": {"a": {"v": 1}, "gone": {"v": 0}}, "other": {"x": {}}},
                {"b": NOW, "other": NOW})
    later = NOW + dt.timedelta(minutes=1)
    cache.write("c1", {"b": {"a": {"v": 2}}}, {"b": later})
    banks = cache.read("c1", later)
    assert [(e.account_id, e.data, e.fetched_at) for e in banks["b"]] == [("a", {"v": 2}, later)]
    assert [e.account_id for e in banks["other"]] == ["x"]
    cache.forget("c1", ["b"])
    assert set(cache.read("c1", later)) == {"other"}


def test_unreadable_entries_are_misses(kv):
    kv.hset(consent_key("c1"), mapping={"a": "{not json", "b": '{"fetched_at": "x"}',
                                    "c": '{"fetched_at": "2026-03-02T09:30:00+00:00"}',
                                    "d": '["x"]'})
    assert BalanceCache(kv).read("c1", NOW) == {}


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
