"""UK Open Banking Read/Write v4.0 AIS payloads → the normalised model (pure functions).

Field names and codes from `OBReadBalance1`, `OBReadAccount6` and `OBReadConsentResponse1`.
Amounts are unsigned in OB (`^\\d{1,13}$|^\\d{1,13}\\.\\d{1,5}$`); the sign comes from
`CreditDebitIndicator` (zero is `Credit`).
"""

from __future__ import annotations

import re
from typing import Any

from aggregation.connectors import vocabulary
from aggregation.connectors.base import BankConsent, ConsentStatus
from aggregation.connectors.payload import Reader
from aggregation.domain import (
    Account,
    AccountIdentifier,
    Balance,
    CreditLine,
    Money,
)

AMOUNT = re.compile(r"\d{1,13}(\.\d{1,5})?")
CREDIT_LINE_TYPES = ("Available", "Credit", "Emergency", "Pre-Agreed", "Temporary")
CONSENT_STATUS = {
    "AWAU": ConsentStatus.AWAITING_AUTHORISATION,
    "AUTH": ConsentStatus.AUTHORISED,
    "RJCT": ConsentStatus.REJECTED,
    "CANC": ConsentStatus.REVOKED,
    "EXPD": ConsentStatus.EXPIRED,
}


def balances(bank_id: str, payload: Any) -> list[Balance]:
    read = Reader(bank_id)
    data = read.obj(read.field(read.obj(payload, "$"), "Data", "$"), "$.Data")
    rows = read.items(data, "Balance", "$.Data", min_items=1)
    return [_balance(read, read.obj(row, f"$.Data.Balance[{i}]"), f"$.Data.Balance[{i}]")
            for i, row in enumerate(rows)]


def _balance(read: Reader, row: dict, path: str) -> Balance:
    account_id = read.text(row, "AccountId", path, max_length=40)
    indicator = read.choice(row, "CreditDebitIndicator", path, ("Credit", "Debit"))
    code = read.text(row, "Type", path)
    balance_type = vocabulary.from_ob(code)
    if balance_type is None:
        raise read.fail(f"{path}.Type", "not an OB balance type")
    moment = read.moment(row, "DateTime", path)
    amount = read.money(row, "Amount", path, amount_key="Amount", currency_key="Currency",
                        pattern=AMOUNT)
    if indicator == "Debit" and amount.amount != 0:
        amount = -amount
    lines = tuple(_credit_line(read, read.obj(line, f"{path}.CreditLine[{i}]"),
                               f"{path}.CreditLine[{i}]")
                  for i, line in enumerate(read.items(row, "CreditLine", path, required=False)))
    return Balance(account_id, balance_type, amount, moment, lines)


def _credit_line(read: Reader, line: dict, path: str) -> CreditLine:
    included = read.flag(line, "Included", path)
    kind = read.choice(line, "Type", path, CREDIT_LINE_TYPES, required=False)
    amount: Money | None = None
    if line.get("Amount") is not None:
        amount = read.money(line, "Amount", path, amount_key="Amount", currency_key="Currency",
                            pattern=AMOUNT)
    return CreditLine(included, amount, kind)


def accounts(bank_id: str, payload: Any) -> list[Account]:
    read = Reader(bank_id)
    data = read.obj(read.field(read.obj(payload, "$"), "Data", "$"), "$.Data")
    rows = read.items(data, "Account", "$.Data", required=False)
    return [_account(read, read.obj(row, f"$.Data.Account[{i}]"), f"$.Data.Account[{i}]")
            for i, row in enumerate(rows)]


def _account(read: Reader, row: dict, path: str) -> Account:
    identifiers = []
    name = read.text(row, "Nickname", path, required=False)
    for i, ident in enumerate(read.items(row, "Account", path, required=False)):
        where = f"{path}.Account[{i}]"
        ident = read.obj(ident, where)
        scheme = read.text(ident, "SchemeName", where)
        identifiers.append(AccountIdentifier(scheme.removeprefix("UK.OBIE."),
                                             read.text(ident, "Identification", where)))
        name = name or read.text(ident, "Name", where, required=False)
    category = read.text(row, "AccountCategory", path, required=False)
    status = read.text(row, "Status", path, required=False)
    return Account(
        account_id=read.text(row, "AccountId", path, max_length=40),
        currency=read.currency(row, "Currency", path, required=False),
        identifiers=tuple(identifiers),
        name=name,
        type_code=read.text(row, "AccountTypeCode", path, required=False),
        category=category.lower() if category else None,
        status=status.lower() if status else None,
    )


def consent(bank_id: str, payload: Any) -> BankConsent:
    read = Reader(bank_id)
    data = read.obj(read.field(read.obj(payload, "$"), "Data", "$"), "$.Data")
    raw = read.choice(data, "Status", "$.Data", CONSENT_STATUS)
    return BankConsent(
        bank_id=bank_id,
        consent_id=read.text(data, "ConsentId", "$.Data", max_length=128),
        status=CONSENT_STATUS[raw],
        raw_status=raw,
        expires_at=read.moment(data, "ExpirationDateTime", "$.Data", required=False),
    )
