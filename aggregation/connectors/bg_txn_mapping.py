"""Berlin Group NextGenPSD2 1.3.x `transactionsResponse-200_json` → the normalised
transactions (pure functions).

- `transactions.booked` are booked, `transactions.pending` pending; amounts are signed.
- Berlin Group dates carry no time: a booked entry is placed at 00:00 UTC of its
  `bookingDate` (or `valueDate`); a pending entry without either at `reported_at`, when the
  bank first showed it to us.
- The counterparty of a debit is its creditor (`creditorName`, `creditorAccount`), of a credit
  its debtor. A card payment (`bankTransactionCode` family `CCRD`) names its merchant there: it
  becomes the merchant name too. The 1.3 report has no merchant category code.
- `bankTransactionCode` is `Domain-Family-SubFamily` (`PMNT-ICDT-ESCT`).
- `currencyExchange[0].exchangeRate` is kept; the 1.3 report has no instructed amount.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from aggregation.connectors.bg_mapping import AMOUNT, IDENTIFIERS
from aggregation.connectors.payload import Reader
from aggregation.domain import AccountIdentifier, Money
from aggregation.transaction import (
    BankTransactionCode,
    Transaction,
    TransactionPage,
    TransactionStatus,
)

CODE = re.compile(r"([A-Z]{4})-([A-Z]{4})-([A-Z]{4})")
RATE = re.compile(r"\d{1,15}(\.\d{1,15})?")


def page(bank_id: str, payload: Any, account_id: str,
         reported_at: dt.datetime) -> TransactionPage:
    """One page of a listing; its cursor is the bank's `_links.next.href` (None on the last)."""
    read = Reader(bank_id)
    report = read.obj(read.field(read.obj(payload, "$"), "transactions", "$"), "$.transactions")
    found = []
    for status in TransactionStatus:
        rows = read.items(report, status.value, "$.transactions", required=False)
        for i, row in enumerate(rows):
            path = f"$.transactions.{status.value}[{i}]"
            found.append(_transaction(read, read.obj(row, path), path, status, account_id,
                                      reported_at))
    links = read.obj(read.field(report, "_links", "$.transactions", {}),
                     "$.transactions._links")
    following = None
    if links.get("next") is not None:
        following = read.text(read.obj(links["next"], "$.transactions._links.next"), "href",
                              "$.transactions._links.next")
    return TransactionPage(tuple(found), following)


def _transaction(read: Reader, row: dict, path: str, status: TransactionStatus,
                 account_id: str, reported_at: dt.datetime) -> Transaction:
    amount = read.money(row, "transactionAmount", path, amount_key="amount",
                        currency_key="currency", pattern=AMOUNT)
    if amount.amount == 0:
        amount = abs(amount)
    booked = _midnight(read.day(row, "bookingDate", path, required=False))
    value = _midnight(read.day(row, "valueDate", path, required=False))
    booked_at = booked or value
    if booked_at is None:
        if status is TransactionStatus.BOOKED:
            raise read.fail(f"{path}.bookingDate", "a booked entry needs a date")
        booked_at = reported_at
    side = "creditor" if amount.amount < 0 else "debtor"
    name = read.text(row, f"{side}Name", path, required=False, max_length=70)
    code = _code(read, row, path)
    remittance = read.text(row, "remittanceInformationUnstructured", path, required=False,
                           max_length=140)
    if remittance is None and row.get("remittanceInformationUnstructuredArray") is not None:
        lines = read.items(row, "remittanceInformationUnstructuredArray", path)
        if not all(isinstance(line, str) for line in lines):
            raise read.fail(f"{path}.remittanceInformationUnstructuredArray", "not text")
        remittance = " ".join(lines) or None
    return Transaction(
        account_id=account_id,
        transaction_id=read.text(row, "transactionId", path, required=False)
        or read.text(row, "entryReference", path, required=False, max_length=35),
        status=status, booked_at=booked_at, amount=amount, value_at=value,
        counterparty_name=name,
        counterparty_account=_reference(read, row, f"{side}Account", path),
        remittance=remittance,
        reference=read.text(row, "endToEndId", path, required=False, max_length=35),
        bank_transaction_code=code,
        proprietary_code=read.text(row, "proprietaryBankTransactionCode", path,
                                   required=False, max_length=35),
        merchant_name=name if code and code.family == "CCRD" else None,
        exchange_rate=_rate(read, row, path),
        balance_after=_balance_after(read, row, path))


def _midnight(day: dt.date | None) -> dt.datetime | None:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) if day else None


def _reference(read: Reader, row: dict, key: str, path: str) -> AccountIdentifier | None:
    if row.get(key) is None:
        return None
    where = f"{path}.{key}"
    reference = read.obj(row[key], where)
    for field, scheme in IDENTIFIERS:
        value = read.text(reference, field, where, required=False, max_length=35)
        if value:
            return AccountIdentifier(scheme, value)
    return None


def _code(read: Reader, row: dict, path: str) -> BankTransactionCode | None:
    raw = read.text(row, "bankTransactionCode", path, required=False)
    if raw is None:
        return None
    matched = CODE.fullmatch(raw)
    if not matched:
        raise read.fail(f"{path}.bankTransactionCode", "not Domain-Family-SubFamily")
    return BankTransactionCode(*matched.groups())


def _rate(read: Reader, row: dict, path: str) -> Decimal | None:
    if row.get("currencyExchange") is None:
        return None
    rates = read.items(row, "currencyExchange", path)
    if not rates:
        return None
    where = f"{path}.currencyExchange[0]"
    first = read.obj(rates[0], where)
    read.currency(first, "sourceCurrency", where, required=True)
    raw = read.text(first, "exchangeRate", where)
    if not RATE.fullmatch(raw):
        raise read.fail(f"{where}.exchangeRate", "not a decimal rate")
    try:
        rate = Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - the pattern is a decimal
        raise read.fail(f"{where}.exchangeRate", "not a decimal rate") from exc
    if rate <= 0:
        raise read.fail(f"{where}.exchangeRate", "expected a positive rate")
    return rate


def _balance_after(read: Reader, row: dict, path: str) -> Money | None:
    if row.get("balanceAfterTransaction") is None:
        return None
    where = f"{path}.balanceAfterTransaction"
    balance = read.obj(row["balanceAfterTransaction"], where)
    return read.money(balance, "balanceAmount", where, amount_key="amount",
                      currency_key="currency", pattern=AMOUNT)
