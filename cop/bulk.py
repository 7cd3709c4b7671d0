"""Fast validation of check requests: a 10,000-payee batch must be parsed in milliseconds.

marshmallow takes ~35 µs per UK item and ~80 µs per EU item, a large part of the one-second
budget for a whole batch. These functions apply the same rules as `OBBulkItem` and
`VopBulkItem` (which stay the documented contract) in plain Python, and report errors in the
same shape: `{field: [message]}` per item. Single checks use them too: one code path.
"""

from __future__ import annotations

import re
from typing import Any

from cop.identifiers import compact_iban, iban_problem, is_valid_bic
from cop.schemas import ACCOUNT_TYPES, ORG_ID_SCHEMES, SCHEME_NAMES
from cop.service import EuCheck, UkCheck

_SCAN = re.compile(r"^[0-9]{14}$")
_LEI = re.compile(r"^[A-Z0-9]{18}[0-9]{2}$")
REQUIRED = "Missing data for required field."


def _text(item: dict, key: str, errors: dict, *, required: bool, max_len: int,
          min_len: int = 1) -> str | None:
    value = item.get(key)
    if value is None:
        if required:
            errors[key] = [REQUIRED]
        return None
    if not isinstance(value, str):
        errors[key] = ["Not a valid string."]
        return None
    if not min_len <= len(value) <= max_len:
        errors[key] = [f"Length must be between {min_len} and {max_len}."]
        return None
    return value


def uk_item(item: Any) -> tuple[UkCheck | None, dict]:
    """One UK item (the `Data` of a single check, or a bulk item) to a check, or its errors."""
    errors: dict[str, list[str]] = {}
    if not isinstance(item, dict):
        return None, {"_schema": ["Invalid input type."]}
    scheme = _text(item, "SchemeName", errors, required=True, max_len=40)
    if scheme is not None and scheme not in SCHEME_NAMES:
        errors["SchemeName"] = [f"Must be one of: {', '.join(SCHEME_NAMES)}."]
    kind = _text(item, "AccountType", errors, required=True, max_len=8)
    if kind is not None and kind not in ACCOUNT_TYPES:
        errors["AccountType"] = [f"Must be one of: {', '.join(ACCOUNT_TYPES)}."]
    ident = _text(item, "Identification", errors, required=True, max_len=14)
    if ident is not None and not _SCAN.match(ident):
        errors["Identification"] = ["String does not match expected pattern."]
    name = _text(item, "Name", errors, required=True, max_len=140)
    secondary = _text(item, "SecondaryIdentification", errors, required=False, max_len=18)
    ref = _text(item, "Id", errors, required=False, max_len=40, min_len=0)
    for key in set(item) - UK_FIELDS:
        errors[key] = ["Unknown field."]
    if errors:
        return None, errors
    return UkCheck(ident[:6], ident[6:], kind.lower(), name, secondary, ref), {}


UK_FIELDS = frozenset({"SchemeName", "AccountType", "Identification", "Name",
                       "SecondaryIdentification", "Id"})


def uk_items(raw: Any) -> tuple[list[UkCheck], dict[int, dict]]:
    """UK bulk items to checks, or the errors of every bad item by position."""
    if not isinstance(raw, list):
        return [], {-1: {"Items": ["Not a valid list."]}}
    checks: list[UkCheck] = []
    problems: dict[int, dict] = {}
    for index, item in enumerate(raw):
        check, errors = uk_item(item)
        if errors:
            problems[index] = errors
        else:
            checks.append(check)
    return checks, problems


def _agent(item: dict, key: str, errors: dict) -> None:
    agent = item.get(key)
    bic = ((agent or {}).get("financialInstitutionId") or {}).get("bicfi") if isinstance(
        agent, dict) else None
    if agent is None:
        errors[key] = [REQUIRED]
    elif not isinstance(bic, str) or not is_valid_bic(bic):
        errors[key] = {"financialInstitutionId": {"bicfi": ["not a BIC"]}}


def _org_ids(org: Any, errors: dict) -> dict[str, str]:
    if not isinstance(org, dict):
        errors["organisationId"] = ["Invalid input type."]
        return {}
    ids: dict[str, str] = {}
    if org.get("lei") is not None:
        if not isinstance(org["lei"], str) or not _LEI.match(org["lei"]):
            errors["organisationId"] = {"lei": ["String does not match expected pattern."]}
        else:
            ids["LEI"] = org["lei"]
    if isinstance(org.get("anyBIC"), str) and is_valid_bic(org["anyBIC"]):
        ids["BIC"] = org["anyBIC"]
    for other in org.get("others") or ():
        if (not isinstance(other, dict) or other.get("schemeNameCode") not in ORG_ID_SCHEMES
                or not isinstance(other.get("identification"), str)):
            errors["organisationId"] = {"others": ["identification and schemeNameCode"]}
            continue
        ids[other["schemeNameCode"]] = other["identification"]
    return ids


def eu_item(item: Any) -> tuple[EuCheck | None, dict]:
    """One EU request body (or bulk item) to a check, or its errors."""
    errors: dict[str, Any] = {}
    if not isinstance(item, dict):
        return None, {"_schema": ["Invalid input type."]}
    party = item.get("party")
    name, ids = None, {}
    if not isinstance(party, dict):
        errors["party"] = [REQUIRED]
    else:
        party_errors: dict[str, Any] = {}
        name = _text(party, "name", party_errors, required=False, max_len=140)
        if party.get("organisationId") is not None:
            ids = _org_ids(party["organisationId"], party_errors)
        if not name and not ids and not party_errors:
            party_errors["name"] = ["give the payee's name, an organisation id, or both"]
        if party_errors:
            errors["party"] = party_errors
    account = item.get("partyAccount")
    iban = account.get("iban") if isinstance(account, dict) else None
    if not isinstance(iban, str):
        errors["partyAccount"] = {"iban": [REQUIRED]}
    elif problem := iban_problem(iban):
        errors["partyAccount"] = {"iban": [problem]}
    _agent(item, "partyAgent", errors)
    _agent(item, "requestingAgent", errors)
    remittance = item.get("unstructuredRemittanceInformation")
    if remittance is not None and not (
        isinstance(remittance, list) and len(remittance) <= 1
        and all(isinstance(r, str) and len(r) <= 140 for r in remittance)
    ):
        errors["unstructuredRemittanceInformation"] = ["at most one text of 140 characters"]
    ref = _text(item, "id", errors, required=False, max_len=40, min_len=0)
    if errors:
        return None, errors
    agent = item["partyAgent"]["financialInstitutionId"]["bicfi"]
    requesting = item["requestingAgent"]["financialInstitutionId"]["bicfi"]
    return EuCheck(compact_iban(iban), name, ids, ref, agent, requesting), {}


def eu_items(raw: Any) -> tuple[list[EuCheck], dict[int, dict]]:
    """EU bulk items to checks, or the errors of every bad item by position."""
    if not isinstance(raw, list):
        return [], {-1: {"requests": ["Not a valid list."]}}
    checks: list[EuCheck] = []
    problems: dict[int, dict] = {}
    for index, item in enumerate(raw):
        check, errors = eu_item(item)
        if errors:
            problems[index] = errors
        else:
            checks.append(check)
    return checks, problems
