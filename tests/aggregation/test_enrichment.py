"""Categories from the documented tables: merchant code first, then bank transaction code,
else none."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from aggregation.data.categories import BANK_TRANSACTION_CODES, CATEGORIES, MCC_CODES, MCC_RANGES
from aggregation.domain import Money
from aggregation.enrichment import categorise, category_of_code, category_of_mcc
from aggregation.transaction import BankTransactionCode as Code
from aggregation.transaction import Transaction, TransactionStatus


def tx(mcc=None, code=None) -> Transaction:
    return Transaction("a", "t", TransactionStatus.BOOKED, dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
                       Money(Decimal("-1"), "GBP"), merchant_category_code=mcc,
                       bank_transaction_code=code)


def test_every_table_entry_names_a_known_category():
    named = set(MCC_CODES.values()) | {c for *_, c in MCC_RANGES} | set(
        BANK_TRANSACTION_CODES.values())
    assert named <= set(CATEGORIES)
    assert all(len(code) == 4 and code.isdigit() for code in MCC_CODES)


@pytest.mark.parametrize(("mcc", "category"), [
    ("5411", "groceries"), ("5812", "eating_out"), ("3012", "travel"), ("3750", "travel"),
    ("6011", "cash"), ("742", None), ("0742", None), ("9999", None), ("abcd", None),
    (None, None), ("", None)])
def test_merchant_codes(mcc, category):
    assert category_of_mcc(mcc) == category


def test_bank_codes_sub_family_then_family_then_none():
    assert category_of_code(Code("PMNT", "RCDT", "SALA")) == "income"
    assert category_of_code(Code("PMNT", "RCDT", "ESCT")) == "transfer"
    assert category_of_code(Code(None, "CCRD", "CWDL")) == "cash"  # OB: no domain
    assert category_of_code(Code("XTND", "NTAV", "NTAV")) is None
    assert category_of_code(None) is None


def test_merchant_code_wins_and_unknown_is_none():
    card = Code("PMNT", "CCRD", "POSD")
    assert categorise(tx("5411", card)) == "groceries"
    assert categorise(tx("9999", card)) == "shopping"
    assert categorise(tx()) is None
