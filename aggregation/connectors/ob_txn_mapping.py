"""UK Open Banking v4.0 `OBReadTransaction6` → the normalised transactions (pure functions).

- The amount is unsigned in OB; `CreditDebitIndicator` signs it (a debit is money out).
- `Status` `BOOK` and `PDNG` are the history; `FUTR`, `INFO` and `RJCT` entries are not money
  that moved and are left out.
- The counterparty of a debit is its creditor (`CreditorAccount`), of a credit its debtor; a
  card payment names its merchant in `MerchantDetails` instead, which stands for both.
- `CurrencyExchange.InstructedAmount` is the original amount of a foreign-currency payment;
  `ExchangeRate` is kept as the bank wrote it (a JSON number, read back into a Decimal).
- `BankTransactionCode` carries the ISO family (`Code`) and sub-family (`SubCode`); OB has no
  domain, so it is None.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from aggregation.connectors.ob_mapping import AMOUNT
from aggregation.connectors.payload import Reader
from aggregation.domain import AccountIdentifier, Money
from aggregation.transaction import (
    BankTransactionCode,
    Transaction,
    TransactionPage,
    TransactionStatus,
)

STATUS = {"BOOK": TransactionStatus.BOOKED, "PDNG": TransactionStatus.PENDING}
OTHER_STATUS = ("FUTR", "INFO", "RJCT")
MCC = re.compile(r"\d{3,4}")


def page(bank_id: str, payload: Any, account_id: str) -> TransactionPage:
    """One page of a listing; its cursor is the bank's `Links.Next` (None on the last page)."""
    read = Reader(bank_id)
    body = read.obj(payload, "$")
    data = read.obj(read.field(body, "Data", "$"), "$.Data")
    rows = read.items(data, "Transaction", "$.Data", required=False)
    found = []
    for i, row in enumerate(rows):
        path = f"$.Data.Transaction[{i}]"
        transaction = _transaction(read, read.obj(row, path), path)
        if transaction is None:
            continue
        if transaction.account_id != account_id:
            raise read.fail(f"{path}.AccountId", "another account's transaction")
        found.append(transaction)
    links = read.obj(body.get("Links") or {}, "$.Links")
    following = read.text(links, "Next", "$.Links", required=False)
    return TransactionPage(tuple(found), following)


def _transaction(read: Reader, row: dict, path: str) -> Transaction | None:
    status = read.choice(row, "Status", path, (*STATUS, *OTHER_STATUS))
    account_id = read.text(row, "AccountId", path, max_length=40)
    indicator = read.choice(row, "CreditDebitIndicator", path, ("Credit", "Debit"))
    amount = _money(read, row, "Amount", path)
    booked_at = read.moment(row, "BookingDateTime", path)
    value_at = read.moment(row, "ValueDateTime", path, required=False)
    if status not in STATUS:
        return None
    if indicator == "Debit" and amount.amount != 0:
        amount = -amount
    side = "CreditorAccount" if indicator == "Debit" else "DebtorAccount"
    name, account = _party(read, row, side, path)
    merchant, mcc = _merchant(read, row, path)
    instructed, rate = _exchange(read, row, path)
    return Transaction(
        account_id=account_id,
        transaction_id=read.text(row, "TransactionId", path, required=False, max_length=210),
        status=STATUS[status], booked_at=booked_at, amount=amount, value_at=value_at,
        counterparty_name=name or merchant, counterparty_account=account,
        remittance=read.text(row, "TransactionInformation", path, required=False,
                             max_length=500),
        reference=read.text(row, "TransactionReference", path, required=False,
                            max_length=210),
        bank_transaction_code=_code(read, row, path),
        proprietary_code=_proprietary(read, row, path),
        merchant_name=merchant, merchant_category_code=mcc,
        instructed_amount=instructed, exchange_rate=rate,
        balance_after=_balance(read, row, path))


def _money(read: Reader, row: dict, key: str, path: str) -> Money:
    return read.money(row, key, path, amount_key="Amount", currency_key="Currency",
                      pattern=AMOUNT)


def _party(read: Reader, row: dict, key: str,
           path: str) -> tuple[str | None, AccountIdentifier | None]:
    if row.get(key) is None:
        return None, None
    where = f"{path}.{key}"
    party = read.obj(row[key], where)
    name = read.text(party, "Name", where, required=False, max_length=350)
    scheme = read.text(party, "SchemeName", where, required=False)
    identification = read.text(party, "Identification", where, required=False,
                               max_length=256)
    account = AccountIdentifier(scheme.removeprefix("UK.OBIE."), identification) \
        if scheme and identification else None
    return name, account


def _merchant(read: Reader, row: dict, path: str) -> tuple[str | None, str | None]:
    if row.get("MerchantDetails") is None:
        return None, None
    where = f"{path}.MerchantDetails"
    details = read.obj(row["MerchantDetails"], where)
    mcc = read.text(details, "MerchantCategoryCode", where, required=False)
    if mcc is not None and not MCC.fullmatch(mcc):
        raise read.fail(f"{where}.MerchantCategoryCode", "not an ISO 18245 code")
    return (read.text(details, "MerchantName", where, required=False, max_length=350),
            mcc.zfill(4) if mcc else None)


def _exchange(read: Reader, row: dict, path: str) -> tuple[Money | None, Decimal | None]:
    if row.get("CurrencyExchange") is None:
        return None, None
    where = f"{path}.CurrencyExchange"
    exchange = read.obj(row["CurrencyExchange"], where)
    read.currency(exchange, "SourceCurrency", where, required=True)
    raw = read.field(exchange, "ExchangeRate", where)
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise read.fail(f"{where}.ExchangeRate", "expected a number")
    try:
        rate = Decimal(str(raw))
    except InvalidOperation as exc:  # pragma: no cover - str() of a float is a decimal
        raise read.fail(f"{where}.ExchangeRate", "not a number") from exc
    if not rate.is_finite() or rate <= 0:
        raise read.fail(f"{where}.ExchangeRate", "expected a positive number")
    instructed = _money(read, exchange, "InstructedAmount", where) \
        if exchange.get("InstructedAmount") is not None else None
    return instructed, rate


def _code(read: Reader, row: dict, path: str) -> BankTransactionCode | None:
    if row.get("BankTransactionCode") is None:
        return None
    where = f"{path}.BankTransactionCode"
    code = read.obj(row["BankTransactionCode"], where)
    return BankTransactionCode(None, read.text(code, "Code", where),
                               read.text(code, "SubCode", where))


def _proprietary(read: Reader, row: dict, path: str) -> str | None:
    if row.get("ProprietaryBankTransactionCode") is None:
        return None
    where = f"{path}.ProprietaryBankTransactionCode"
    return read.text(read.obj(row["ProprietaryBankTransactionCode"], where), "Code", where,
                     max_length=35)


def _balance(read: Reader, row: dict, path: str) -> Money | None:
    if row.get("Balance") is None:
        return None
    where = f"{path}.Balance"
    balance = read.obj(row["Balance"], where)
    indicator = read.choice(balance, "CreditDebitIndicator", where, ("Credit", "Debit"))
    amount = _money(read, balance, "Amount", where)
    return -amount if indicator == "Debit" and amount.amount != 0 else amount
