"""Where each account's next sync starts, the windows a long read is split into, and a
transaction's round trip through its sealed form."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from aggregation import txn_codec
from aggregation.domain import AccountIdentifier, Money
from aggregation.models import TransactionSync
from aggregation.transaction import BankTransactionCode, Transaction, TransactionStatus
from aggregation.txn_sync import OVERLAP, plan
from aggregation.txn_windows import MAX_PARTS, split

NOW = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
WINDOW = NOW - dt.timedelta(days=730)


def row(state, high_water=None, resume_from=None, synced_at=NOW):
    return TransactionSync(state=state, high_water=high_water, resume_from=resume_from,
                           synced_at=synced_at)


def test_first_sync_reads_the_whole_window():
    assert plan(None, None, WINDOW, NOW) == (WINDOW, None, NOW)


def test_later_syncs_start_before_the_last_one_or_at_the_oldest_pending():
    last = NOW - dt.timedelta(hours=6)
    assert plan(row("complete", last), None, WINDOW, NOW) == (last - OVERLAP, None, NOW)
    old = NOW - dt.timedelta(days=9)
    assert plan(row("complete", last), None, WINDOW, NOW, old)[0] == old
    assert plan(row("complete", last), None, NOW - dt.timedelta(days=1), NOW)[0] == \
        NOW - dt.timedelta(days=1)  # never before the consent's window


def test_a_broken_sync_resumes_its_window_at_the_cursor():
    started = NOW - dt.timedelta(hours=1)
    assert plan(row("partial", None, WINDOW, started), "c-2", WINDOW, NOW) == (
        WINDOW, "c-2", started)


@given(st.integers(min_value=0, max_value=800 * 24 * 3600), st.booleans())
def test_windows_cover_the_read_edge_to_edge_at_midnights(seconds, bounded):
    start = NOW - dt.timedelta(seconds=seconds)
    end = NOW - dt.timedelta(hours=5) if bounded and seconds > 5 * 3600 else None
    windows = split(start, end, NOW)
    assert windows[0][0] == start and windows[-1][1] == end
    assert 1 <= len(windows) <= MAX_PARTS
    for (_, edge), (following, _) in itertools.pairwise(windows):
        assert edge == following  # shared, both inclusive: nothing falls between
        assert edge.time() == dt.time(0) and edge.tzinfo == dt.UTC  # a date bound meets it
    assert all(a < b for (a, _), (b, _) in itertools.pairwise(windows))


def test_only_a_long_read_is_split():
    assert split(NOW - dt.timedelta(days=60), None, NOW) == [(NOW - dt.timedelta(days=60), None)]
    assert len(split(WINDOW, None, NOW)) == MAX_PARTS


amounts = st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False)
texts = st.none() | st.text(max_size=30)


@given(amounts, texts, texts, st.booleans())
def test_sealed_form_round_trips(amount, name, remittance, pending):
    tx = Transaction(
        "acc", "t-1", TransactionStatus.PENDING if pending else TransactionStatus.BOOKED,
        NOW, Money(amount, "EUR"), value_at=NOW, counterparty_name=name,
        counterparty_account=AccountIdentifier("IBAN", "DE89370400440532013000"),
        remittance=remittance, bank_transaction_code=BankTransactionCode("PMNT", "ICDT", "ESCT"),
        merchant_category_code="5411", instructed_amount=Money(Decimal("10.00"), "USD"),
        exchange_rate=Decimal("0.92"), balance_after=Money(Decimal("5.00"), "EUR"))
    back, category = txn_codec.loads("acc", txn_codec.dumps(tx, "groceries"))
    assert back == tx and category == "groceries"
