"""Where each account's next sync starts, and a transaction's round trip through its sealed
form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from aggregation import txn_codec
from aggregation.domain import AccountIdentifier, Money
from aggregation.models import TransactionSync
from aggregation.transaction import BankTransactionCode, Transaction, TransactionStatus
from aggregation.txn_sync import OVERLAP, plan

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
