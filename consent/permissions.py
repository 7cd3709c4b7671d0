"""OB v4.0 account-access permissions: the codes, what each means in plain words for the PSU,
and the request rules of the Account and Transaction API profile. Pure.

Profile rules enforced (each refusal is a 400 with an OB ErrorCode and Path):
- Permissions present and not empty (U004), every code known (U002), no repeats (U002);
- at least ReadAccountsBasic or ReadAccountsDetail (U001);
- ReadTransactionsBasic/Detail need ReadTransactionsCredits or ...Debits, and Credits/Debits need
  Basic or Detail (U001);
- a Basic with its Detail is duplication, not an error (the profile forbids rejecting it);
- ExpirationDateTime in the future; TransactionFromDateTime not after ...ToDateTime (U003);
- date-times are ISO 8601 with a zone (U002); Risk is an object with no members (OBRisk2);
- a member OBReadConsent1 does not define, at the top or in Data, is refused (U005 with its
  Path): a misspelt `ExpirationDatetime` silently dropped would grant an open-ended consent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from consent.errors import (
    FIELD_EXPECTED,
    FIELD_INVALID,
    FIELD_INVALID_DATE,
    FIELD_MISSING,
    FIELD_UNEXPECTED,
    INVALID_FORMAT,
    ConsentRequestInvalid,
    OBError,
)

PERMISSIONS: dict[str, str] = {
    "ReadAccountsBasic": "See which accounts you hold (name, type, currency)",
    "ReadAccountsDetail": "See your account numbers and other account details",
    "ReadBalances": "See your account balances",
    "ReadBeneficiariesBasic": "See the payees you have set up",
    "ReadBeneficiariesDetail": "See your payees' account details",
    "ReadDirectDebits": "See your Direct Debits",
    "ReadOffers": "See offers your bank makes you",
    "ReadPAN": "See full card numbers where the bank shows them",
    "ReadParty": "See who holds each account",
    "ReadPartyPSU": "See your own name and contact details",
    "ReadProducts": "See the product details of your accounts",
    "ReadScheduledPaymentsBasic": "See your scheduled payments",
    "ReadScheduledPaymentsDetail": "See your scheduled payments and their payees' details",
    "ReadStandingOrdersBasic": "See your standing orders",
    "ReadStandingOrdersDetail": "See your standing orders and their payees' details",
    "ReadStatementsBasic": "See your statements",
    "ReadStatementsDetail": "See your statements in full, with amounts and files",
    "ReadTransactionsBasic": "See your transactions (amounts and dates)",
    "ReadTransactionsCredits": "See money coming into your accounts",
    "ReadTransactionsDebits": "See money going out of your accounts",
    "ReadTransactionsDetail": "See your transactions in full, with references and counterparties",
}

TX_READS = ("ReadTransactionsBasic", "ReadTransactionsDetail")
TX_DIRECTIONS = ("ReadTransactionsCredits", "ReadTransactionsDebits")
ACCOUNT_READS = ("ReadAccountsBasic", "ReadAccountsDetail")


@dataclass(frozen=True)
class ConsentTerms:
    """What a consent lets the TPP read, and for how long: asked for by the TPP, then asked
    of each bank the PSU connects."""

    permissions: tuple[str, ...]
    expiration: dt.datetime | None
    transaction_from: dt.datetime | None
    transaction_to: dt.datetime | None
    # the PSU's address, as the PSU is present: Berlin Group requires it to create a consent
    psu_ip: str | None = None


@dataclass(frozen=True)
class ConsentRequest(ConsentTerms):
    """A validated OBReadConsent1: its terms (the PSU is not present yet) and its Risk."""

    risk: dict[str, Any] = field(default_factory=dict)


def plain_words(permissions: list[str] | tuple[str, ...]) -> list[str]:
    return [PERMISSIONS.get(code, code) for code in permissions]


def permission_errors(permissions: Any) -> list[OBError]:
    """Every rule the permissions array breaks (empty when it is valid)."""
    path = "Data.Permissions"
    if permissions is None:
        return [OBError(FIELD_MISSING, "Permissions is required", path)]
    if not isinstance(permissions, list) or not permissions:
        return [OBError(FIELD_MISSING, "Permissions must be a non-empty array", path)]
    errors: list[OBError] = []
    seen: set[str] = set()
    for i, code in enumerate(permissions):
        if not isinstance(code, str) or code not in PERMISSIONS:
            errors.append(OBError(FIELD_INVALID, f"Unknown permission {str(code)[:64]!r}",
                                  f"{path}[{i}]"))
        elif code in seen:
            errors.append(OBError(FIELD_INVALID, f"Permission {code} is repeated", f"{path}[{i}]"))
        else:
            seen.add(code)
    if errors:
        return errors
    if not seen.intersection(ACCOUNT_READS):
        errors.append(OBError(FIELD_EXPECTED,
                              "Permissions must include ReadAccountsBasic or ReadAccountsDetail",
                              path))
    if seen.intersection(TX_READS) and not seen.intersection(TX_DIRECTIONS):
        errors.append(OBError(FIELD_EXPECTED,
                              "ReadTransactionsBasic/Detail need ReadTransactionsCredits or "
                              "ReadTransactionsDebits", path))
    if seen.intersection(TX_DIRECTIONS) and not seen.intersection(TX_READS):
        errors.append(OBError(FIELD_EXPECTED,
                              "ReadTransactionsCredits/Debits need ReadTransactionsBasic or "
                              "ReadTransactionsDetail", path))
    return errors


def parse_datetime(value: Any, path: str, errors: list[OBError]) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is not None:
            return parsed.astimezone(dt.UTC)
    errors.append(OBError(FIELD_INVALID, "Must be an ISO 8601 date-time with a time zone", path))
    return None


REQUEST_MEMBERS = frozenset({"Data", "Risk"})
DATA_MEMBERS = frozenset({"Permissions", "ExpirationDateTime", "TransactionFromDateTime",
                          "TransactionToDateTime"})


def unexpected_members(obj: dict[str, Any], known: frozenset[str], prefix: str
                       ) -> list[OBError]:
    return [OBError(FIELD_UNEXPECTED, f"{str(name)[:64]!r} is not a member of OBReadConsent1",
                    f"{prefix}{str(name)[:200]}")
            for name in obj if name not in known]


def parse_consent_request(body: Any, now: dt.datetime) -> ConsentRequest:
    """Validate an OBReadConsent1 body; raise ConsentRequestInvalid listing every error."""
    if not isinstance(body, dict):
        raise ConsentRequestInvalid([OBError(INVALID_FORMAT, "Body must be a JSON object")])
    errors: list[OBError] = unexpected_members(body, REQUEST_MEMBERS, "")
    data = body.get("Data")
    if not isinstance(data, dict):
        errors.append(OBError(FIELD_MISSING, "Data is required", "Data"))
        data = {}
    errors += unexpected_members(data, DATA_MEMBERS, "Data.")
    risk = body.get("Risk")
    if risk is None:
        errors.append(OBError(FIELD_MISSING, "Risk is required", "Risk"))
    elif not isinstance(risk, dict):
        errors.append(OBError(FIELD_INVALID, "Risk must be an object", "Risk"))
    elif risk:
        errors.append(OBError(FIELD_UNEXPECTED, "Risk has no fields for account access", "Risk"))
    if data or "Data" in body:
        errors += permission_errors(data.get("Permissions"))
    expiration = parse_datetime(data.get("ExpirationDateTime"), "Data.ExpirationDateTime", errors)
    tx_from = parse_datetime(data.get("TransactionFromDateTime"),
                             "Data.TransactionFromDateTime", errors)
    tx_to = parse_datetime(data.get("TransactionToDateTime"), "Data.TransactionToDateTime", errors)
    if expiration is not None and expiration <= now:
        errors.append(OBError(FIELD_INVALID_DATE, "ExpirationDateTime must be in the future",
                              "Data.ExpirationDateTime"))
    if tx_from is not None and tx_to is not None and tx_from > tx_to:
        errors.append(OBError(FIELD_INVALID_DATE,
                              "TransactionFromDateTime must not be after TransactionToDateTime",
                              "Data.TransactionToDateTime"))
    if errors:
        raise ConsentRequestInvalid(errors)
    return ConsentRequest(tuple(data["Permissions"]), expiration, tx_from, tx_to)
