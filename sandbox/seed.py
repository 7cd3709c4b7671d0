"""Seeded PSUs and accounts of the sandbox banks. The same usernames (alice, bob, carol) hold
accounts at several banks, in GBP, EUR and USD, with credit lines, overdrawn accounts and zero
balances, so one person can be taken through consent at every bank.

The accounts are data (`data/seed.json`). Balance types are written as OB v4.0 codes; the
Berlin Group bank renders them in its own words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

PSUS = ("alice", "bob", "carol")


@dataclass(frozen=True)
class SeedCreditLine:
    included: bool
    type: str  # Available, Credit, Emergency, Pre-Agreed, Temporary
    amount: Decimal


@dataclass(frozen=True)
class SeedBalance:
    code: str  # OB v4.0 balance type code
    amount: Decimal  # signed: negative = overdrawn
    credit_lines: tuple[SeedCreditLine, ...] = ()


@dataclass(frozen=True)
class SeedAccount:
    id: str
    owner: str
    currency: str
    scheme: str  # SortCodeAccountNumber | IBAN
    identification: str
    name: str
    product: str  # OB AccountTypeCode: CACC, SVGS, CARD …
    balances: tuple[SeedBalance, ...]


def _account(row: dict) -> SeedAccount:
    balances = tuple(
        SeedBalance(b["code"], Decimal(b["amount"]),
                    tuple(SeedCreditLine(c["included"], c["type"], Decimal(c["amount"]))
                          for c in b.get("credit_lines", ())))
        for b in row["balances"])
    return SeedAccount(row["id"], row["owner"], row["currency"], row["scheme"],
                       row["identification"], row["name"], row["product"], balances)


# bank id -> its accounts, from data/seed.json (amounts as strings: they become Decimals)
SEED: dict[str, tuple[SeedAccount, ...]] = {
    bank: tuple(_account(row) for row in rows)
    for bank, rows in json.loads(
        (Path(__file__).parent / "data" / "seed.json").read_text(encoding="utf-8")).items()
}


def accounts_of(bank_id: str, psu: str) -> tuple[SeedAccount, ...]:
    return tuple(a for a in SEED.get(bank_id, ()) if a.owner == psu)
