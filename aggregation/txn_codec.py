"""A transaction as it is sealed at rest and read back: the domain `Transaction` to a compact
JSON document and back, plus what the service adds (the category). Pure."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from aggregation.domain import AccountIdentifier, Money
from aggregation.transaction import BankTransactionCode, Transaction, TransactionStatus


@dataclass(frozen=True)
class Entry:
    """A stored transaction as the timeline serves it: our ids, the bank's data, the
    enrichment, and the other leg when it is a transfer between the customer's accounts."""

    account_id: str
    key: str
    bank_id: str
    transaction: Transaction
    category: str | None
    linked_account_id: str | None = None
    linked_key: str | None = None


def _money(money: Money | None) -> list[str] | None:
    return None if money is None else [str(money.amount), money.currency]


def _of(value: list[str] | None) -> Money | None:
    return None if value is None else Money(Decimal(value[0]), value[1])


def _time(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def dumps(tx: Transaction, category: str | None) -> str:
    code = tx.bank_transaction_code
    party = tx.counterparty_account
    doc: dict[str, Any] = {
        "id": tx.transaction_id, "st": tx.status.value, "at": tx.booked_at.isoformat(),
        "amt": _money(tx.amount), "val": _time(tx.value_at), "cp": tx.counterparty_name,
        "cpa": [party.scheme, party.identification] if party else None,
        "rem": tx.remittance, "ref": tx.reference,
        "btc": [code.domain, code.family, code.sub_family] if code else None,
        "prop": tx.proprietary_code, "mn": tx.merchant_name, "mcc": tx.merchant_category_code,
        "ia": _money(tx.instructed_amount),
        "fx": None if tx.exchange_rate is None else str(tx.exchange_rate),
        "bal": _money(tx.balance_after), "cat": category}
    return json.dumps({k: v for k, v in doc.items() if v is not None}, separators=(",", ":"))


def loads(account_id: str, text: str) -> tuple[Transaction, str | None]:
    doc = json.loads(text)
    code, party, value = doc.get("btc"), doc.get("cpa"), doc.get("val")
    tx = Transaction(
        account_id=account_id, transaction_id=doc.get("id"),
        status=TransactionStatus(doc["st"]), booked_at=dt.datetime.fromisoformat(doc["at"]),
        amount=_of(doc["amt"]), value_at=dt.datetime.fromisoformat(value) if value else None,
        counterparty_name=doc.get("cp"),
        counterparty_account=AccountIdentifier(*party) if party else None,
        remittance=doc.get("rem"), reference=doc.get("ref"),
        bank_transaction_code=BankTransactionCode(*code) if code else None,
        proprietary_code=doc.get("prop"), merchant_name=doc.get("mn"),
        merchant_category_code=doc.get("mcc"), instructed_amount=_of(doc.get("ia")),
        exchange_rate=Decimal(doc["fx"]) if doc.get("fx") else None,
        balance_after=_of(doc.get("bal")))
    return tx, doc.get("cat")
