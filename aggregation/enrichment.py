"""A category for a transaction from the documented tables in `aggregation.data.categories`.
Pure."""

from __future__ import annotations

from aggregation.data.categories import BANK_TRANSACTION_CODES, MCC_CODES, MCC_RANGES
from aggregation.transaction import BankTransactionCode, Transaction

INTERNAL_TRANSFER = "internal_transfer"


def category_of_mcc(code: str | None) -> str | None:
    code = (code or "").strip()
    if not (code.isdigit() and 3 <= len(code) <= 4):
        return None
    code = code.zfill(4)
    if code in MCC_CODES:
        return MCC_CODES[code]
    number = int(code)
    return next((name for low, high, name in MCC_RANGES if low <= number <= high), None)


def category_of_code(code: BankTransactionCode | None) -> str | None:
    """OB carries family and sub-family without the domain: then any domain with that family
    and sub-family answers, as long as only one category is possible."""
    if code is None:
        return None
    family, sub = code.family.upper(), code.sub_family.upper()
    for wanted in (sub, "*"):
        if code.domain:
            found = BANK_TRANSACTION_CODES.get((code.domain.upper(), family, wanted))
        else:
            found = _without_domain(family, wanted)
        if found:
            return found
    return None


def _without_domain(family: str, sub: str) -> str | None:
    found = {name for (_, fam, s), name in BANK_TRANSACTION_CODES.items()
             if fam == family and s == sub}
    return found.pop() if len(found) == 1 else None


def categorise(tx: Transaction) -> str | None:
    return category_of_mcc(tx.merchant_category_code) or category_of_code(
        tx.bank_transaction_code)
