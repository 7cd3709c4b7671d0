"""Totals per currency: exact Decimal sums of available balances, credit lines apart."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from aggregation.domain import Balance, BalanceType, CreditLine, Money, available_balance
from aggregation.totals import totals

CURRENCIES = ["GBP", "EUR", "USD", "JPY", "CHF"]
# OB amounts: up to 13 integer digits and 5 decimals
amounts = st.decimals(min_value=Decimal("-9999999999999.99999"),
                      max_value=Decimal("9999999999999.99999"), places=5,
                      allow_nan=False, allow_infinity=False)
T = BalanceType


def bal(kind: BalanceType, amount: str, currency: str, *lines: CreditLine) -> Balance:
    return Balance("acc", kind, Money.of(amount, currency), None, lines)


def test_included_credit_line_is_excluded_and_shown_separately():
    overdraft = CreditLine(True, Money.of("500.00", "GBP"), "Pre-Agreed")
    accounts = [
        [bal(T.INTERIM_AVAILABLE, "650.10", "GBP", overdraft),
         bal(T.INTERIM_BOOKED, "150.10", "GBP")],
        [bal(T.INTERIM_AVAILABLE, "-20.05", "GBP", CreditLine(False, Money.of("100", "GBP")))],
        [bal(T.CLOSING_BOOKED, "0.00", "EUR")],
    ]
    result = {t.currency: t for t in totals(accounts)}
    gbp, eur = result["GBP"], result["EUR"]
    assert gbp.currency == "GBP" and gbp.available == Decimal("130.05")
    assert gbp.credit_lines == Decimal("600.00") and gbp.accounts == 2
    assert eur.available == Decimal("0.00") and eur.booked_fallback == 1


def test_a_line_of_unknown_size_is_neither_netted_nor_summed():
    result = totals([[bal(T.INTERIM_AVAILABLE, "10", "EUR", CreditLine(True))]])
    assert [(t.available, t.credit_lines) for t in result] == [(Decimal("10"), Decimal(0))]


def test_currencies_never_mix_and_come_sorted():
    result = totals([[bal(T.INTERIM_AVAILABLE, "1", "USD")],
                     [bal(T.INTERIM_AVAILABLE, "2", "EUR")]])
    assert [(t.currency, t.available) for t in result] == [("EUR", Decimal("2")),
                                                           ("USD", Decimal("1"))]


balances = st.builds(
    lambda kind, amount, currency, lines: Balance("acc", kind, Money(amount, currency), None,
                                                  tuple(lines)),
    st.sampled_from([T.INTERIM_AVAILABLE, T.CLOSING_AVAILABLE, T.INTERIM_BOOKED,
                     T.CLOSING_BOOKED, T.EXPECTED]),
    amounts,
    st.sampled_from(CURRENCIES),
    st.lists(st.builds(lambda included, amount, currency: CreditLine(
        included, Money(abs(amount), currency)), st.booleans(), amounts,
        st.sampled_from(CURRENCIES)), max_size=2),
)


@given(st.lists(st.lists(balances, min_size=1, max_size=4), max_size=40))
def test_totals_are_exact(accounts):
    expected_available: dict[str, Fraction] = {}
    expected_credit: dict[str, Fraction] = {}
    for bals in accounts:
        chosen, _ = available_balance(bals)
        currency = chosen.amount.currency
        own = Fraction(chosen.amount.amount)
        for line in chosen.credit_lines:
            if line.included and line.amount.currency == currency:
                own -= Fraction(line.amount.amount)
            expected_credit[line.amount.currency] = expected_credit.get(
                line.amount.currency, 0) + Fraction(line.amount.amount)
            expected_available.setdefault(line.amount.currency, Fraction(0))
        expected_available[currency] = expected_available.get(currency, 0) + own
    result = {t.currency: t for t in totals(accounts)}
    assert set(result) == set(expected_available)
    for currency, total in result.items():
        assert isinstance(total.available, Decimal)
        assert Fraction(total.available) == expected_available[currency]
        assert Fraction(total.credit_lines) == expected_credit.get(currency, 0)
    assert sum(t.accounts for t in result.values()) == len(accounts)
