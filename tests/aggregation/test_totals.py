"""Totals per currency: exact Decimal sums of available balances, credit lines apart."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from aggregation.totals import BalanceLine, CreditLine, pick_available, totals

CURRENCIES = ["GBP", "EUR", "USD", "JPY", "CHF"]
# OB amounts: up to 13 integer digits and 5 decimals
amounts = st.decimals(min_value=Decimal("-9999999999999.99999"),
                      max_value=Decimal("9999999999999.99999"), places=5,
                      allow_nan=False, allow_infinity=False)


def test_available_preferred_then_booked_fallback():
    itav = BalanceLine("ITAV", Decimal("10"), "GBP")
    clbd = BalanceLine("CLBD", Decimal("12"), "GBP")
    assert pick_available([clbd, itav]) == (itav, False)
    assert pick_available([clbd]) == (clbd, True)
    assert pick_available([]) == (None, False)


def test_included_credit_line_is_excluded_and_shown_separately():
    overdraft = CreditLine(True, Decimal("500.00"), "GBP", "Pre-Agreed")
    accounts = [
        ("a1", [BalanceLine("ITAV", Decimal("650.10"), "GBP", (overdraft,)),
                BalanceLine("ITBD", Decimal("150.10"), "GBP")]),
        ("a2", [BalanceLine("ITAV", Decimal("-20.05"), "GBP",
                            (CreditLine(False, Decimal("100"), "GBP"),))]),
        ("a3", [BalanceLine("CLBD", Decimal("0.00"), "EUR")]),
    ]
    result = {t.currency: t for t in totals(accounts)}
    gbp, eur = result["GBP"], result["EUR"]
    assert gbp.currency == "GBP" and gbp.available == Decimal("130.05")
    assert gbp.credit_lines == Decimal("600.00") and gbp.accounts == 2
    assert eur.available == Decimal("0.00") and eur.booked_fallback == 1


def test_currencies_never_mix_and_come_sorted():
    result = totals([("a", [BalanceLine("ITAV", Decimal("1"), "USD")]),
                     ("b", [BalanceLine("ITAV", Decimal("2"), "EUR")])])
    assert [(t.currency, t.available) for t in result] == [("EUR", Decimal("2")),
                                                           ("USD", Decimal("1"))]


balances = st.builds(
    BalanceLine,
    type=st.sampled_from(["ITAV", "CLAV", "ITBD", "CLBD", "XPCD"]),
    amount=amounts,
    currency=st.sampled_from(CURRENCIES),
    credit_lines=st.lists(st.builds(CreditLine, included=st.booleans(),
                                    amount=amounts.map(abs),
                                    currency=st.sampled_from(CURRENCIES)),
                          max_size=2).map(tuple),
)


@given(st.lists(st.lists(balances, min_size=1, max_size=4), max_size=40))
def test_totals_are_exact(account_balances):
    accounts = [(f"a{i}", b) for i, b in enumerate(account_balances)]
    expected_available: dict[str, Fraction] = {}
    expected_credit: dict[str, Fraction] = {}
    for _, bals in accounts:
        chosen, _ = pick_available(bals)
        own = Fraction(chosen.amount)
        for line in chosen.credit_lines:
            if line.included and line.currency == chosen.currency:
                own -= Fraction(line.amount)
            expected_credit[line.currency] = expected_credit.get(line.currency, 0) + Fraction(
                line.amount)
            expected_available.setdefault(line.currency, Fraction(0))
        expected_available[chosen.currency] = expected_available.get(chosen.currency, 0) + own
    result = {t.currency: t for t in totals(accounts)}
    assert set(result) == set(expected_available)
    for currency, total in result.items():
        assert isinstance(total.available, Decimal)
        assert Fraction(total.available) == expected_available[currency]
        assert Fraction(total.credit_lines) == expected_credit.get(currency, 0)
    assert sum(t.accounts for t in result.values()) == len(accounts)
