"""Balance cache per account and the unattended-read allowance (frequencyPerDay)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from aggregation import domain as d
from aggregation.cache import Allowance, BalanceCache, consent_key
from core.kv import make_redis
from tests import targets

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def kv(redis_url):
    client = make_redis(redis_url)
    yield client
    targets.flush(client)


def record(account_id: str, bank_id: str = "b", at: dt.datetime = NOW, *,
           amount: str = "1.00") -> d.AccountRecord:
    account = d.Account(f"bank-{account_id}", "GBP", (d.AccountIdentifier("IBAN", "GB00X1"),),
                        name="Main", type_code="CACC", category="personal", status="enabled")
    lines = (d.CreditLine(True, d.Money.of("50", "GBP"), "Pre-Agreed"), d.CreditLine(True))
    balance = d.Balance(f"bank-{account_id}", d.BalanceType.INTERIM_AVAILABLE,
                        d.Money.of(amount, "GBP"), at, lines)
    return d.AccountRecord(account_id, bank_id, account, (balance,), at)


def test_round_trip_per_consent_bank_and_account(kv):
    cache = BalanceCache(kv, fresh_seconds=30)
    written = {"bankA": [record("acc-2", "bankA", amount="-2.50"), record("acc-1", "bankA")],
               "bankB": [d.AccountRecord("acc-3", "bankB", None, None, NOW)]}
    cache.write("c1", written, {"bankA": NOW, "bankB": NOW})
    banks = cache.read("c1", NOW)
    assert set(banks) == {"bankA", "bankB"}  # a bank without entries is absent
    assert banks["bankA"] == sorted(written["bankA"], key=lambda r: r.account_id)
    assert banks["bankB"] == written["bankB"]  # the domain objects, exactly
    assert cache.read("c2", NOW) == {}  # another consent sees nothing of it


def test_freshness_and_retention(kv):
    cache = BalanceCache(kv, fresh_seconds=30)
    cache.write("c1", {"b": [record("a")]}, {"b": NOW})
    [entry] = cache.read("c1", NOW)["b"]
    assert entry.is_fresh(NOW + dt.timedelta(seconds=29), 30)
    assert not entry.is_fresh(NOW + dt.timedelta(seconds=31), 30)
    assert kv.ttl(consent_key("c1")) > 25 * 3600


def test_an_entry_past_retention_is_a_miss_while_other_banks_keep_the_key(kv):
    cache = BalanceCache(kv, keep_seconds=3600)
    cache.write("c1", {"old": [record("a", "old")]}, {"old": NOW})
    later = NOW + dt.timedelta(hours=2)
    cache.write("c1", {"new": [record("b", "new", later)]}, {"new": later})
    assert set(cache.read("c1", later)) == {"new"}
    assert set(cache.read("c1", NOW + dt.timedelta(minutes=59))) == {"old", "new"}


def test_a_bank_read_replaces_that_bank_only(kv):
    cache = BalanceCache(kv)
    cache.write("c1", {"b": [record("a"), record("gone")], "other": [record("x", "other")]},
                {"b": NOW, "other": NOW})
    later = NOW + dt.timedelta(minutes=1)
    cache.write("c1", {"b": [record("a", at=later, amount="2.00")]}, {"b": later})
    banks = cache.read("c1", later)
    assert banks["b"] == [record("a", at=later, amount="2.00")]
    assert [e.account_id for e in banks["other"]] == ["x"]
    cache.write("c1", {"other": []}, {"other": later})  # a bank with no accounts left
    assert set(cache.read("c1", later)) == {"b"}
    cache.forget("c1", ["b"])
    assert cache.read("c1", later) == {}


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
