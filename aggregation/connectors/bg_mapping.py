"""Berlin Group NextGenPSD2 1.3.x AIS payloads → the normalised model (pure functions).

Field names and codes from `readAccountBalanceResponse-200`, `accountList`,
`consentsResponse-201` and `consentStatusResponse-200`. Amounts are signed strings
(`-?[0-9]{1,14}(\\.[0-9]{1,3})?`); `creditLimitIncluded` says a limit is in the amount without
saying how large it is.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from aggregation.connectors import vocabulary
from aggregation.connectors.base import BankConsent, ConsentStatus
from aggregation.connectors.payload import Reader
from aggregation.domain import Account, AccountIdentifier, Balance, CreditLine

AMOUNT = re.compile(r"-?[0-9]{1,14}(\.[0-9]{1,3})?")
CONSENT_STATUS = {
    "received": ConsentStatus.AWAITING_AUTHORISATION,
    "partiallyAuthorised": ConsentStatus.AWAITING_AUTHORISATION,
    "valid": ConsentStatus.AUTHORISED,
    "rejected": ConsentStatus.REJECTED,
    "revokedByPsu": ConsentStatus.REVOKED,
    "terminatedByTpp": ConsentStatus.REVOKED,
    "expired": ConsentStatus.EXPIRED,
}
IDENTIFIERS = (("iban", "IBAN"), ("bban", "BBAN"), ("maskedPan", "MaskedPAN"),
               ("pan", "PAN"), ("msisdn", "MSISDN"))


def balances(bank_id: str, payload: Any, account_id: str) -> list[Balance]:
    read = Reader(bank_id)
    body = read.obj(payload, "$")
    rows = read.items(body, "balances", "$")
    return [_balance(read, read.obj(row, f"$.balances[{i}]"), f"$.balances[{i}]", account_id)
            for i, row in enumerate(rows)]


def _balance(read: Reader, row: dict, path: str, account_id: str) -> Balance:
    name = read.text(row, "balanceType", path)
    balance_type = vocabulary.from_berlin_group(name)
    if balance_type is None:
        raise read.fail(f"{path}.balanceType", "not a Berlin Group balance type")
    amount = read.money(row, "balanceAmount", path, amount_key="amount",
                        currency_key="currency", pattern=AMOUNT)
    if amount.amount == 0:
        amount = abs(amount)  # "-0.00" is zero, and zero is credit
    moment = read.moment(row, "lastChangeDateTime", path, required=False)
    if moment is None:
        day = read.day(row, "referenceDate", path, required=False)
        moment = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) if day else None
    included = read.flag(row, "creditLimitIncluded", path, default=False)
    lines = (CreditLine(included=True),) if included else ()
    return Balance(account_id, balance_type, amount, moment, lines)


def accounts(bank_id: str, payload: Any) -> list[Account]:
    read = Reader(bank_id)
    rows = read.items(read.obj(payload, "$"), "accounts", "$")
    return [_account(read, read.obj(row, f"$.accounts[{i}]"), f"$.accounts[{i}]")
            for i, row in enumerate(rows)]


def _account(read: Reader, row: dict, path: str) -> Account:
    identifiers = tuple(AccountIdentifier(scheme, read.text(row, key, path))
                        for key, scheme in IDENTIFIERS if row.get(key) is not None)
    usage = read.text(row, "usage", path, required=False)
    status = read.text(row, "status", path, required=False)
    return Account(
        account_id=read.text(row, "resourceId", path),
        currency=read.currency(row, "currency", path, required=True),
        identifiers=identifiers,
        name=read.text(row, "displayName", path, required=False)
        or read.text(row, "name", path, required=False),
        product=read.text(row, "product", path, required=False),
        type_code=read.text(row, "cashAccountType", path, required=False),
        category={"PRIV": "personal", "ORGA": "business"}.get(usage or ""),
        status=status,
    )


def consent(bank_id: str, payload: Any, *, consent_id: str | None = None,
            frequency_per_day: int | None = None, sca_approach: str | None = None
            ) -> BankConsent:
    """201 of POST /v1/consents (carries consentId) or 200 of GET /v1/consents/{id} (does not).
    `sca_approach` is what the 201's `ASPSP-SCA-Approach` and links said (bg_sca.py)."""
    read = Reader(bank_id)
    body = read.obj(payload, "$")
    raw = read.choice(body, "consentStatus", "$", CONSENT_STATUS)
    until = read.day(body, "validUntil", "$", required=False)
    frequency = body.get("frequencyPerDay", frequency_per_day)
    if frequency is not None and (not isinstance(frequency, int) or isinstance(frequency, bool)
                                  or frequency < 1):
        raise read.fail("$.frequencyPerDay", "expected an integer of at least 1")
    return BankConsent(
        bank_id=bank_id,
        consent_id=read.text(body, "consentId", "$", required=consent_id is None) or consent_id,
        status=CONSENT_STATUS[raw],
        raw_status=raw,
        expires_at=dt.datetime(until.year, until.month, until.day, 23, 59, 59, tzinfo=dt.UTC)
        if until else None,
        frequency_per_day=frequency,
        sca_approach=sca_approach,
    )


def consent_status(bank_id: str, payload: Any, consent_id: str) -> BankConsent:
    """`GET /v1/consents/{id}/status` carries the status only."""
    read = Reader(bank_id)
    raw = read.choice(read.obj(payload, "$"), "consentStatus", "$", CONSENT_STATUS)
    return BankConsent(bank_id, consent_id, CONSENT_STATUS[raw], raw)
