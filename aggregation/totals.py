"""Totals per currency across accounts and banks. Pure: Decimal arithmetic, no I/O.

What a budgeting app shows as "money you have": per account the balance that stands for
*available* (`domain.available_balance`: an account without one is counted by a booked
balance), minus any credit line the bank says is *included* in it (`Balance.own_funds`), so an
overdraft facility never looks like savings. Credit lines of known size are totalled
separately, each in its own currency. Currencies are never converted or mixed.

Arithmetic runs in a Decimal context that traps Inexact and Overflow: a total is exact or the
call fails, never silently rounded.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from aggregation.domain import Balance, available_balance

EXACT = decimal.Context(prec=200, traps=[decimal.Inexact, decimal.Overflow,
                                         decimal.InvalidOperation])


@dataclass
class CurrencyTotal:
    currency: str
    available: Decimal = Decimal(0)
    credit_lines: Decimal = Decimal(0)
    accounts: int = 0
    booked_fallback: int = 0  # accounts without an available balance, counted by booked


def totals(accounts: Iterable[Sequence[Balance]]) -> list[CurrencyTotal]:
    """Each account's balances -> totals per currency, sorted by currency."""
    result: dict[str, CurrencyTotal] = {}
    with decimal.localcontext(EXACT):
        for balances in accounts:
            chosen, fallback = available_balance(balances)
            if chosen is None:
                continue
            own = chosen.own_funds
            total = result.setdefault(own.currency, CurrencyTotal(own.currency))
            for line in chosen.credit_lines:
                if line.amount is not None:  # a line of unknown size (Berlin Group) is not summed
                    currency = line.amount.currency
                    result.setdefault(currency, CurrencyTotal(currency)).credit_lines += (
                        line.amount.amount)
            total.available += own.amount
            total.accounts += 1
            total.booked_fallback += int(fallback)
    return [result[c] for c in sorted(result)]
