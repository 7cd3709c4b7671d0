"""Seeded PSUs and accounts of the sandbox banks. The same usernames (alice, bob, carol) hold
accounts at several banks, in GBP, EUR and USD, with credit lines, overdrawn accounts and zero
balances, so one person can be taken through consent at every bank.

Balance types are written as OB v4.0 codes; the Berlin Group bank renders them in its own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

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


def _b(code: str, amount: str, *lines: SeedCreditLine) -> SeedBalance:
    return SeedBalance(code, Decimal(amount), tuple(lines))


def _line(included: bool, kind: str, amount: str) -> SeedCreditLine:
    return SeedCreditLine(included, kind, Decimal(amount))


def iban(country: str, bban: str) -> str:
    """An IBAN with correct ISO 13616 check digits."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(digits) % 97:02d}{bban}"


def _uk(sort_code: str, number: str) -> str:
    return sort_code.replace("-", "") + number


SEED: dict[str, tuple[SeedAccount, ...]] = {
    "northgate": (
        SeedAccount("ng-1001", "alice", "GBP", "SortCodeAccountNumber",
                    _uk("40-47-11", "31926819"), "Alice's current account", "CACC",
                    (_b("ITAV", "1234.56", _line(False, "Pre-Agreed", "500.00")),
                     _b("CLBD", "1200.00"))),
        SeedAccount("ng-1002", "alice", "USD", "SortCodeAccountNumber",
                    _uk("40-47-11", "31926827"), "Alice's dollar account", "CACC",
                    (_b("ITAV", "250.00"), _b("CLBD", "250.00"))),
        SeedAccount("ng-2001", "bob", "GBP", "SortCodeAccountNumber",
                    _uk("40-47-11", "55113344"), "Bob's current account", "CACC",
                    (_b("ITAV", "849.75", _line(True, "Pre-Agreed", "1000.00")),
                     _b("CLBD", "-150.25"))),
        SeedAccount("ng-3001", "carol", "EUR", "SortCodeAccountNumber",
                    _uk("40-47-11", "70021100"), "Carol's euro account", "CACC",
                    (_b("ITAV", "0.00"), _b("CLBD", "0.00"))),
    ),
    "thamesmoor": (
        SeedAccount("tm-1001", "alice", "GBP", "SortCodeAccountNumber",
                    _uk("30-95-74", "10002000"), "Alice's saver", "SVGS",
                    (_b("ITAV", "10000.00"), _b("CLBD", "10000.00"))),
        SeedAccount("tm-2001", "bob", "GBP", "SortCodeAccountNumber",
                    _uk("30-95-74", "20003000"), "Bob's household account", "CACC",
                    (_b("ITAV", "0.00"), _b("XPCD", "0.00"))),
        SeedAccount("tm-3001", "carol", "GBP", "SortCodeAccountNumber",
                    _uk("30-95-74", "30004000"), "Carol's credit card", "CARD",
                    (_b("ITAV", "2580.00", _line(True, "Credit", "3000.00")),
                     _b("CLBD", "-420.00"))),
    ),
    "rheinfeld": (
        SeedAccount("rf-1001", "alice", "EUR", "IBAN", iban("DE", "500700100175526303"),
                    "Alice Girokonto", "CACC",
                    (_b("ITAV", "2345.67", _line(True, "Pre-Agreed", "1000.00")),
                     _b("CLBD", "1345.67"))),
        SeedAccount("rf-2001", "bob", "EUR", "IBAN", iban("DE", "500700100175526311"),
                    "Bob Girokonto", "CACC",
                    (_b("ITAV", "457.90", _line(True, "Pre-Agreed", "500.00")),
                     _b("CLBD", "-42.10"))),
        SeedAccount("rf-2002", "bob", "USD", "IBAN", iban("DE", "500700100175526329"),
                    "Bob Dollarkonto", "CACC",
                    (_b("ITAV", "0.00"), _b("CLBD", "0.00"))),
        SeedAccount("rf-3001", "carol", "EUR", "IBAN", iban("DE", "500700100175526337"),
                    "Carol Girokonto", "CACC",
                    (_b("ITAV", "5000.00"), _b("CLBD", "5000.00"))),
        SeedAccount("rf-3002", "carol", "USD", "IBAN", iban("DE", "500700100175526345"),
                    "Carol Dollarkonto", "CACC",
                    (_b("ITAV", "1999.99"), _b("XPCD", "2100.00"))),
    ),
}


def accounts_of(bank_id: str, psu: str) -> tuple[SeedAccount, ...]:
    return tuple(a for a in SEED.get(bank_id, ()) if a.owner == psu)
