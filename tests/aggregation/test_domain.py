"""The normalised model: exact money, signs, credit lines apart from own funds, no clear-text
account numbers in reprs."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aggregation.domain import (
    Account,
    AccountIdentifier,
    Balance,
    BalanceType,
    CreditDebit,
    CreditLine,
    InvalidMoney,
    Money,
    available_balance,
    iso_utc,
)

GBP = "GBP"


def test_money_is_exact():
    money = Money.of("0.10", GBP) + Money.of("0.20", GBP)
    assert money == Money(Decimal("0.30"), GBP) and str(money.amount) == "0.30"


@pytest.mark.parametrize("amount", [0.1, True, "abc", "NaN", "Infinity", None])
def test_money_refuses_floats_and_non_numbers(amount):
    with pytest.raises(InvalidMoney):
        Money.of(amount, GBP)


@pytest.mark.parametrize("currency", ["gbp", "XYZ", "", "GBPX", None])
def test_money_refuses_non_iso_currencies(currency):
    with pytest.raises(InvalidMoney):
        Money.of("1", currency)


def test_money_does_not_add_across_currencies():
    with pytest.raises(InvalidMoney):
        Money.of("1", GBP) + Money.of("1", "EUR")


@given(st.decimals(allow_nan=False, allow_infinity=False, places=5))
def test_money_round_trips_through_its_string(amount):
    money = Money(amount, "EUR")
    assert Money.of(str(money.amount), "EUR") == money


def test_sign_zero_is_credit():
    assert Balance("a", BalanceType.CLOSING_BOOKED, Money.of("0.00", GBP)).credit_debit \
        is CreditDebit.CREDIT
    assert Balance("a", BalanceType.CLOSING_BOOKED, Money.of("-0.01", GBP)).credit_debit \
        is CreditDebit.DEBIT


def test_own_funds_remove_included_credit_lines_only():
    lines = (CreditLine(True, Money.of("1000", GBP), "Pre-Agreed"),
             CreditLine(False, Money.of("250", GBP), "Emergency"))
    balance = Balance("a", BalanceType.INTERIM_AVAILABLE, Money.of("849.75", GBP), None, lines)
    assert balance.own_funds == Money.of("-150.25", GBP)
    assert balance.credit_line_included
    unknown = Balance("a", BalanceType.INTERIM_AVAILABLE, Money.of("5", "EUR"), None,
                      (CreditLine(True), CreditLine(True, Money.of("9", GBP))))
    assert unknown.own_funds == Money.of("5", "EUR")  # unknown size, another currency: as given


def test_balance_times_carry_a_zone():
    with pytest.raises(ValueError):
        Balance("a", BalanceType.EXPECTED, Money.of("1", GBP), dt.datetime(2026, 1, 1))
    moment = dt.datetime(2026, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert iso_utc(moment) == "2026-01-01T10:00:00Z"


def test_available_balance_prefers_available_then_booked_then_any():
    booked = Balance("a", BalanceType.CLOSING_BOOKED, Money.of("1", GBP))
    available = Balance("a", BalanceType.INTERIM_AVAILABLE, Money.of("2", GBP))
    cleared = Balance("a", BalanceType.CLOSING_CLEARED, Money.of("3", GBP))
    info = Balance("a", BalanceType.INFORMATION, Money.of("4", GBP))
    assert available_balance([booked, available]) == (available, False)
    assert available_balance([cleared, booked]) == (booked, True)
    assert available_balance([info, cleared]) == (cleared, True)  # the last of the others
    assert available_balance([]) == (None, False)


def test_account_numbers_and_names_stay_out_of_reprs():
    account = Account("acc-1", GBP, (AccountIdentifier("SortCodeAccountNumber",
                                                       "40471131926819"),), name="Alice Smith")
    text = repr(account)
    assert "31926819" not in text and "Alice" not in text and "6819" in text
    with pytest.raises(InvalidMoney):
        Account("acc-2", "pounds")
