"""The transaction store against the database: a listing's count kept across syncs (the head
counted once, the tail after every sync) and transfer legs linked within their window."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from aggregation.domain import Money
from aggregation.models import StoredTransaction
from aggregation.transaction import BankTransactionCode, Transaction, TransactionStatus
from aggregation.txn_counts import HEAD_DAYS
from aggregation.txn_store import TimelineQuery, TransactionStore
from core.db import unit_of_work

NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.UTC)
CID = "aac-store"
TRANSFER = BankTransactionCode("PMNT", "ICDT", "DMCT")


class PlainSealer:
    """Authenticated encryption is consent's (tested there); here the text is kept as is."""

    def seal(self, plaintext: str, context: str) -> tuple[str, str]:
        return "k", f"{context}|{plaintext}"

    def seal_many(self, items):
        return [self.seal(text, context) for text, context in items]

    def open(self, key_id: str, ciphertext: str, context: str) -> str:
        assert ciphertext.startswith(context + "|")
        return ciphertext[len(context) + 1:]


@pytest.fixture
def store():
    return TransactionStore(PlainSealer(), b"store-test-key")


def tx(tid: str, at: dt.datetime, amount: str, *, pending: bool = False, code=None) -> Transaction:
    return Transaction("acc", tid, TransactionStatus.PENDING if pending
                       else TransactionStatus.BOOKED, at, Money(Decimal(amount), "GBP"),
                       bank_transaction_code=code)


def write(session, store, account_id: str, txs, now: dt.datetime) -> None:
    with unit_of_work(session):
        store.write(session, CID, account_id, "alpha", [
            (store.key_for("alpha", account_id, t), t) for t in txs], now, lambda t: None)


def days_of(start: dt.datetime, days: int, prefix: str) -> list[Transaction]:
    return [tx(f"{prefix}{n}", start + dt.timedelta(days=n), "-5.00") for n in range(days)]


QUERY = TimelineQuery(CID, ("a1",), None, None, frozenset({"C", "D"}))


def counted(session) -> int:
    return session.scalar(select(func.count()).select_from(StoredTransaction))


def test_a_kept_count_follows_syncs_of_the_last_days(session, store):
    write(session, store, "a1", days_of(NOW - dt.timedelta(days=60), 60, "t"), NOW)
    first = store.summary(session, QUERY, "v1", NOW)
    assert (first.count, first.oldest) == (60, NOW - dt.timedelta(days=60))
    later = NOW + dt.timedelta(hours=6)
    # an incremental sync: three new entries over the last three days, and a pending one
    write(session, store, "a1", days_of(NOW - dt.timedelta(days=3), 3, "t-late")
          + [tx("p1", later, "-1.00", pending=True)], later)
    second = store.summary(session, QUERY, "v2", later)
    assert second.count == counted(session) == 64
    assert (second.oldest, second.newest) == (first.oldest, later)


def test_a_change_before_the_tail_recounts_the_head(session, store):
    write(session, store, "a1", days_of(NOW - dt.timedelta(days=60), 60, "t"), NOW)
    assert store.summary(session, QUERY, "v1", NOW).count == 60
    later = NOW + dt.timedelta(hours=1)
    old = NOW - dt.timedelta(days=HEAD_DAYS + 20)
    write(session, store, "a1", [tx("late-old", old, "-2.00")], later)  # a bank's late entry
    assert store.summary(session, QUERY, "v2", later).count == counted(session) == 61


def test_a_head_with_a_pending_entry_is_recounted(session, store):
    old = NOW - dt.timedelta(days=HEAD_DAYS + 5)
    write(session, store, "a1", [tx("p-old", old, "-3.00", pending=True)]
          + days_of(NOW - dt.timedelta(days=30), 30, "t"), NOW)
    assert store.summary(session, QUERY, "v1", NOW).count == 31
    later = NOW + dt.timedelta(hours=1)
    with unit_of_work(session):  # it vanished at the bank: dropped after a complete sync
        store.drop_vanished_pending(session, CID, "a1", old, later)
    assert store.summary(session, QUERY, "v2", later).count == counted(session) == 30


def test_transfer_legs_link_only_within_the_window(session, store):
    at = NOW - dt.timedelta(days=10)
    write(session, store, "a1", [tx("out", at, "-250.00", code=TRANSFER),
                                 tx("out-far", at - dt.timedelta(days=40), "-99.00",
                                    code=TRANSFER)], NOW)
    write(session, store, "a2", [tx("in", at + dt.timedelta(days=1), "250.00", code=TRANSFER),
                                 tx("in-far", at, "99.00", code=TRANSFER)], NOW)
    with unit_of_work(session):
        assert store.link_transfers(session, CID, NOW - dt.timedelta(days=60)) == 1
    links = dict(session.execute(select(StoredTransaction.key,
                                           StoredTransaction.linked_key)).all())
    out, inward = (store.key_for("alpha", a, t) for a, t in (
        ("a1", tx("out", at, "0")), ("a2", tx("in", at, "0"))))
    assert links[out] == inward and links[inward] == out
    assert sum(1 for v in links.values() if v) == 2  # 40 days apart: not a transfer
