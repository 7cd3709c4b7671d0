"""Totals per currency across accounts and banks. Pure: Decimal arithmetic, no I/O.

What a budgeting app shows as "money you have": per account the *available* balance (OB v4
`ITAV`, else `CLAV`, `XPCD`, `FWAV`; an account with none falls back to its booked balance and
is counted as such), minus any credit line the bank says is *included* in it, so an overdraft
facility never looks like savings. Credit lines are totalled separately. Currencies are never
converted or mixed.

Arithmetic runs in a Decimal context that traps Inexact and Overflow: a total is exact or the
call fails, never silently rounded.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# The order `aggregation.domain.AVAILABLE_PREFERENCE` uses, in OB v4 codes.
AVAILABLE_TYPES = ("ITAV", "CLAV", "XPCD", "FWAV")
BOOKED_TYPES = ("ITBD", "CLBD", "OPAV", "OPBD", "PRCD", "INFO")

EXACT = decimal.Context(prec=200, traps=[decimal.Inexact, decimal.Overflow,
                                         decimal.InvalidOperation])


@dataclass(frozen=True)
class CreditLine:
    included: bool
    amount: Decimal
    currency: str
    type: str | None = None


@dataclass(frozen=True)
class BalanceLine:
    """One balance of one account; `amount` is signed (Debit is negative)."""

    type: str
    amount: Decimal
    currency: str
    credit_lines: tuple[CreditLine, ...] = ()


@dataclass
class CurrencyTotal:
    currency: str
    available: Decimal = Decimal(0)
    credit_lines: Decimal = Decimal(0)
    accounts: int = 0
    booked_fallback: int = 0  # accounts without an available balance, counted by booked


def pick_available(balances: Sequence[BalanceLine]) -> tuple[BalanceLine | None, bool]:
    """The balance that stands for 'available' on this account, and whether it is a fallback
    to a booked type."""
    by_type = {b.type: b for b in balances}
    for kind in AVAILABLE_TYPES:
        if kind in by_type:
            return by_type[kind], False
    for kind in BOOKED_TYPES:
        if kind in by_type:
            return by_type[kind], True
    return (balances[0], True) if balances else (None, False)


def totals(accounts: Iterable[tuple[str, Sequence[BalanceLine]]]) -> list[CurrencyTotal]:
    """(account_id, balances) per account -> totals per currency, sorted by currency."""
    result: dict[str, CurrencyTotal] = {}
    with decimal.localcontext(EXACT):
        for _account_id, balances in accounts:
            chosen, fallback = pick_available(balances)
            if chosen is None:
                continue
            total = result.setdefault(chosen.currency, CurrencyTotal(chosen.currency))
            own_funds = chosen.amount
            for line in chosen.credit_lines:
                if line.currency == chosen.currency and line.included:
                    own_funds -= line.amount
                # a line in another currency cannot be netted; it is still shown, in its own
                result.setdefault(line.currency, CurrencyTotal(line.currency)).credit_lines += (
                    line.amount)
            total.available += own_funds
            total.accounts += 1
            total.booked_fallback += int(fallback)
    return [result[c] for c in sorted(result)]


def balance_lines(accounts: Iterable[Mapping[str, Any]]
                  ) -> list[tuple[str, list[BalanceLine]]]:
    """OB v4 `OBReadBalance1` entries (as this service serves them) -> input of `totals`."""
    return [(account["AccountId"], account_lines(account)) for account in accounts]


def account_lines(account: Mapping[str, Any]) -> list[BalanceLine]:
    """One account's `Balances` (OB v4 shapes) as signed `BalanceLine`s."""
    lines = []
    for balance in account.get("Balances") or ():
        amount = Decimal(balance["Amount"]["Amount"])
        if balance.get("CreditDebitIndicator") == "Debit":
            amount = -amount
        credit = tuple(
            CreditLine(bool(line.get("Included")), Decimal(line["Amount"]["Amount"]),
                       line["Amount"]["Currency"], line.get("Type"))
            # a line of unknown size (Berlin Group) cannot be netted or summed
            for line in balance.get("CreditLine") or () if line.get("Amount"))
        lines.append(BalanceLine(balance["Type"], amount, balance["Amount"]["Currency"],
                                 credit))
    return lines
