"""The normalised transaction every bank connector returns. Stdlib only.

One model for UK Open Banking (`OBReadTransaction6`) and Berlin Group (`transactionDetails`):

- `amount` is signed from the account holder's side: negative is money out (debit).
- `booked_at` orders the timeline. OB gives every entry a `BookingDateTime`, pending ones too;
  a Berlin Group pending entry without a booking date uses its value date or, failing that, the
  time the bank first reported it (the connector says which in its mapping).
- `counterparty_name` is the other side: the creditor of a debit, the debtor of a credit.
- `instructed_amount` and `exchange_rate` carry a foreign-currency payment's original amount.
- Personal data (names, identifiers, remittance text) never appears in a repr.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from aggregation.domain import AccountIdentifier, CreditDebit, Money


class TransactionStatus(StrEnum):
    BOOKED = "booked"
    PENDING = "pending"


@dataclass(frozen=True)
class BankTransactionCode:
    """ISO 20022 domain / family / sub-family (`PMNT` / `ICDT` / `ESCT`), as both standards
    carry it (OB `BankTransactionCode.Code`/`SubCode`, Berlin Group `bankTransactionCode`
    `PMNT-ICDT-ESCT`)."""

    domain: str | None
    family: str
    sub_family: str


@dataclass(frozen=True)
class Transaction:
    account_id: str  # the bank's own account resource id
    transaction_id: str | None  # the bank's id; stable across pending → booked where it has one
    status: TransactionStatus
    booked_at: dt.datetime  # UTC
    amount: Money  # signed: negative = debit
    value_at: dt.datetime | None = None  # UTC
    counterparty_name: str | None = field(default=None, repr=False)
    counterparty_account: AccountIdentifier | None = field(default=None, repr=False)
    remittance: str | None = field(default=None, repr=False)  # unstructured remittance text
    reference: str | None = field(default=None, repr=False)  # end-to-end / transaction reference
    bank_transaction_code: BankTransactionCode | None = None
    proprietary_code: str | None = None  # the bank's own code (OB ProprietaryBankTransactionCode)
    merchant_name: str | None = field(default=None, repr=False)
    merchant_category_code: str | None = None  # ISO 18245, four digits
    instructed_amount: Money | None = None  # the original amount of a foreign-currency payment
    exchange_rate: Decimal | None = None
    balance_after: Money | None = None

    def __post_init__(self) -> None:
        for moment in (self.booked_at, self.value_at):
            if moment is not None and moment.utcoffset() is None:
                raise ValueError("transaction times must carry a time zone")

    @property
    def credit_debit(self) -> CreditDebit:
        return CreditDebit.of(self.amount)


@dataclass(frozen=True)
class TransactionPage:
    """One page of a bank's answer, as the connector streams them: never a whole history in
    one list. `next_cursor` is the bank's own link to the next page (None on the last)."""

    transactions: tuple[Transaction, ...]
    next_cursor: str | None = None


TransactionPages = Iterator[TransactionPage]
