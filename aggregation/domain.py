"""The normalised account-information model every bank connector returns. Stdlib only.

- Money is an exact `Decimal` with an ISO 4217 currency; it serialises its amount as a string.
- A balance's amount is signed: negative means the account is overdrawn (debit). Zero is credit,
  as both UK Open Banking and Berlin Group read it.
- One balance-type vocabulary (`BalanceType`). The three vocabularies banks speak (OB v3.1 names,
  OB v4.0 ISO codes, Berlin Group camelCase) are mapped to it in `connectors/vocabulary.py`.
- Credit lines are kept beside a balance, never folded into it: `Balance.own_funds` removes an
  included credit line so an overdraft limit is not shown as the customer's money, and
  `available_balance` picks the balance that stands for "available" (what totals add up).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum, auto

# Active ISO 4217 alphabetic codes (funds and precious-metal codes included, as banks quote them).
ISO_4217 = frozenset("""
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP
BYN BZD CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB
EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY
KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR
MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB
RWF SAR SBD SCR SDG SEK SGD SHP SLE SLL SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD
TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XAG XAU XBA XBB XBC XBD XCD XCG
XDR XOF XPD XPF XPT XSU XUA YER ZAR ZMW ZWG ZWL
""".split())


class InvalidMoney(ValueError):
    """An amount that is not a finite decimal, or a currency that is not ISO 4217."""


def is_currency(code: object) -> bool:
    return isinstance(code, str) and code in ISO_4217


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise InvalidMoney("amount must be a finite Decimal")
        if not is_currency(self.currency):
            raise InvalidMoney(f"not an ISO 4217 currency: {self.currency!r}")

    @classmethod
    def of(cls, amount: str | int | Decimal, currency: str) -> Money:
        """From a decimal string (never a float: binary fractions are not money)."""
        if isinstance(amount, bool) or not isinstance(amount, str | int | Decimal):
            raise InvalidMoney("amount must be a decimal string, int or Decimal")
        try:
            value = Decimal(amount.strip() if isinstance(amount, str) else amount)
        except InvalidOperation as exc:
            raise InvalidMoney("amount is not a decimal number") from exc
        return cls(value, currency)

    def __add__(self, other: Money) -> Money:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise InvalidMoney("only money of one currency adds up")
        return Money(self.amount + other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)


class CreditDebit(StrEnum):
    CREDIT = auto()
    DEBIT = auto()

    @classmethod
    def of(cls, money: Money) -> CreditDebit:
        """Debit when negative; zero is credit, as UK Open Banking and Berlin Group read it."""
        return cls.DEBIT if money.amount < 0 else cls.CREDIT


class BalanceType(StrEnum):
    """The one balance-type vocabulary (ISO 20022 balance types, named in words)."""

    CLOSING_AVAILABLE = auto()
    CLOSING_BOOKED = auto()
    CLOSING_CLEARED = auto()
    EXPECTED = auto()
    FORWARD_AVAILABLE = auto()
    INFORMATION = auto()
    INTERIM_AVAILABLE = auto()
    INTERIM_BOOKED = auto()
    INTERIM_CLEARED = auto()
    OPENING_AVAILABLE = auto()
    OPENING_BOOKED = auto()
    OPENING_CLEARED = auto()
    PREVIOUSLY_CLOSED_BOOKED = auto()
    NON_INVOICED = auto()


# Which balance answers "how much can I spend now", best first; without any of these, a booked
# balance stands in, in this order, and without one of those, a balance of any other type.
AVAILABLE_PREFERENCE = (
    BalanceType.INTERIM_AVAILABLE,
    BalanceType.CLOSING_AVAILABLE,
    BalanceType.EXPECTED,
    BalanceType.FORWARD_AVAILABLE,
)
BOOKED_FALLBACK = (
    BalanceType.INTERIM_BOOKED,
    BalanceType.CLOSING_BOOKED,
    BalanceType.OPENING_AVAILABLE,
    BalanceType.OPENING_BOOKED,
    BalanceType.PREVIOUSLY_CLOSED_BOOKED,
)


@dataclass(frozen=True)
class CreditLine:
    """A limit beside a balance. `included` says whether the balance amount already counts it.
    Berlin Group says only that a limit is included, not how much: then `amount` is None."""

    included: bool
    amount: Money | None = None
    type: str | None = None  # OB: Available, Credit, Emergency, Pre-Agreed, Temporary


@dataclass(frozen=True)
class Balance:
    account_id: str  # the bank's own account resource id
    type: BalanceType
    amount: Money  # signed: negative = overdrawn
    as_of: dt.datetime | None = None  # UTC
    credit_lines: tuple[CreditLine, ...] = ()

    def __post_init__(self) -> None:
        if self.as_of is not None and self.as_of.utcoffset() is None:
            raise ValueError("balance time must carry a time zone")

    @property
    def credit_debit(self) -> CreditDebit:
        return CreditDebit.of(self.amount)

    @property
    def credit_line_included(self) -> bool:
        return any(line.included for line in self.credit_lines)

    @property
    def own_funds(self) -> Money:
        """The amount without the included credit lines it can be separated from: those of
        known size in its own currency. (Berlin Group says only that a line is included, and
        a line in another currency cannot be netted: the amount then stands as the bank
        gives it.)"""
        total = self.amount.amount
        for line in self.credit_lines:
            if line.included and line.amount is not None and \
                    line.amount.currency == self.amount.currency:
                total -= line.amount.amount
        return Money(total, self.amount.currency)


def available_balance(balances: Sequence[Balance]) -> tuple[Balance | None, bool]:
    """The balance that stands for 'available' on one account (by `AVAILABLE_PREFERENCE`,
    then `BOOKED_FALLBACK`, then the last of any other type), and whether it is a fallback."""
    by_type = {b.type: b for b in balances}
    for kind in AVAILABLE_PREFERENCE:
        if kind in by_type:
            return by_type[kind], False
    for kind in BOOKED_FALLBACK:
        if kind in by_type:
            return by_type[kind], True
    others = [b for b in balances if b.type not in AVAILABLE_PREFERENCE + BOOKED_FALLBACK]
    return (others[-1], True) if others else (None, False)


@dataclass(frozen=True)
class AccountRecord:
    """One account of a consent as a read serves it: our AccountId, its bank, the bank's
    account details (None when a balance read did not list them) and its balances (None when
    they were not read), as fetched at `fetched_at`."""

    account_id: str
    bank_id: str
    account: Account | None
    balances: tuple[Balance, ...] | None
    fetched_at: dt.datetime

    def is_fresh(self, now: dt.datetime, fresh_seconds: float) -> bool:
        return (now - self.fetched_at).total_seconds() < fresh_seconds


@dataclass(frozen=True)
class AccountIdentifier:
    """How the bank identifies an account: scheme (`SortCodeAccountNumber`, `IBAN`, `BBAN`,
    `PAN`…) and value. Never printed in clear: repr masks it."""

    scheme: str
    identification: str = field(repr=False)

    @property
    def masked(self) -> str:
        return mask(self.identification)

    def __repr__(self) -> str:
        return f"AccountIdentifier(scheme={self.scheme!r}, identification={self.masked!r})"


@dataclass(frozen=True)
class Account:
    account_id: str  # the bank's own account resource id (opaque)
    currency: str | None  # OB makes it optional; Berlin Group requires it
    identifiers: tuple[AccountIdentifier, ...] = ()
    name: str | None = field(default=None, repr=False)  # nickname / display name (personal data)
    product: str | None = None  # the bank's own product name (free text)
    # ISO 20022 ExternalCashAccountType1Code (CACC, SVGS, CARD …): what OB v4.0 calls
    # AccountTypeCode and Berlin Group cashAccountType.
    type_code: str | None = None
    category: str | None = None  # personal / business, when the bank says
    status: str | None = None  # enabled / disabled / deleted …

    def __post_init__(self) -> None:
        if self.currency is not None and not is_currency(self.currency):
            raise InvalidMoney(f"not an ISO 4217 currency: {self.currency!r}")


def mask(value: str) -> str:
    """Keep the last four characters, for logs and reprs."""
    tail = value[-4:] if len(value) > 4 else ""
    return "•" * 4 + tail


def iso_utc(moment: dt.datetime) -> str:
    """UTC ISO 8601 with a `Z`."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
