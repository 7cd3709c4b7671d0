"""The UK Open Banking v4.0 shapes of what this service serves, written in this one place: the
account (OBAccount6), the balance (OBBalance1), the OBReadAccount6 and OBReadBalance1 documents,
and the `Aggregation` member that `include=aggregation` adds. Pure: domain objects in, JSON-ready
dicts out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aggregation.domain import Account, Balance, iso_utc
from aggregation.model import Aggregate

AGGREGATION_MEMBER = "Aggregation"

OB_BALANCE_TYPES = {"interim_available": "ITAV", "closing_available": "CLAV",
                    "closing_booked": "CLBD", "expected": "XPCD", "forward_available": "FWAV",
                    "information": "INFO", "interim_booked": "ITBD", "opening_available": "OPAV",
                    "opening_booked": "OPBD", "previously_closed_booked": "PRCD"}


# OB v4.0 AccountTypeCode (OBExternalAccountSubType1Code): the subset of ISO 20022
# ExternalCashAccountType1Code the standard admits; any other ISO code is OTHR.
OB_ACCOUNT_TYPE_CODES = frozenset({
    "CACC", "CARD", "CASH", "CHAR", "CISH", "COMM", "CPAC", "LLSV", "LOAN", "MGLD", "MOMA",
    "NREX", "ODFT", "ONDP", "OTHR", "SACC", "SLRY", "SVGS", "TAXE", "TRAN", "TRAS", "VACC",
    "NFCA", "MORT", "WALT"})
OB_ACCOUNT_STATUSES = ("Deleted", "Disabled", "Enabled", "Pending", "ProForma")
# Berlin Group's `blocked` has no OB name; the account is there but unusable: Disabled.
OB_STATUS_OF = {**{s.lower(): s for s in OB_ACCOUNT_STATUSES}, "blocked": "Disabled"}


def ob_account_type_code(code: str | None) -> str | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    return code if code in OB_ACCOUNT_TYPE_CODES else "OTHR"


def ob_account(account: Account) -> dict[str, Any]:
    """OBAccount6 with the v4.0 names: AccountCategory (Personal/Business) and AccountTypeCode
    (the ISO cash account type), the Nickname cut to the standard's 70 characters."""
    status = OB_STATUS_OF.get((account.status or "enabled").lower())
    category = {"personal": "Personal", "business": "Business"}.get(account.category or "")
    data: dict[str, Any] = {"Status": status,
                            "Currency": account.currency,
                            "AccountCategory": category,
                            "AccountTypeCode": ob_account_type_code(account.type_code),
                            "Nickname": (account.name or "")[:70] or None}
    data["Account"] = [{"SchemeName": f"UK.OBIE.{i.scheme}", "Identification": i.identification}
                       for i in account.identifiers]
    return {k: v for k, v in data.items() if v is not None}


def ob_balance(balance: Balance, fetched_at: dt.datetime) -> dict[str, Any]:
    amount = balance.amount
    data: dict[str, Any] = {
        "CreditDebitIndicator": "Debit" if amount.amount < 0 else "Credit",
        "Type": OB_BALANCE_TYPES.get(balance.type.value, "INFO"),
        "DateTime": iso_utc(balance.as_of or fetched_at),
        "Amount": {"Amount": str(abs(amount.amount)), "Currency": amount.currency},
    }
    if balance.credit_lines:
        data["CreditLine"] = [
            {"Included": line.included, **({"Type": line.type} if line.type else {}),
             **({"Amount": {"Amount": str(line.amount.amount),
                            "Currency": line.amount.currency}} if line.amount else {})}
            for line in balance.credit_lines]
    return data


def accounts_document(result: Aggregate, self_url: str, *, extras: bool = False,
                      psu_present: bool = False) -> dict:
    """OBReadAccount6: only its members, `Account[]` only with ReadAccountsDetail."""
    accounts = []
    for record in result.accounts:
        account = {"AccountId": record.account_id,
                   **(ob_account(record.account) if record.account else {})}
        if not result.detail:
            account.pop("Account", None)
        accounts.append(account)
    document = {"Data": {"Account": accounts}, "Links": {"Self": self_url},
                "Meta": {"TotalPages": 1}}
    if extras:
        document[AGGREGATION_MEMBER] = aggregation_member(result, psu_present, totals=False)
    return document


def balances_document(result: Aggregate, self_url: str, *, extras: bool = False,
                      psu_present: bool = False) -> dict:
    """OBReadBalance1, and with `include=aggregation` the `Aggregation` member."""
    balances = [{"AccountId": record.account_id, **ob_balance(balance, record.fetched_at)}
                for record in result.accounts for balance in record.balances or ()]
    document = {"Data": {"Balance": balances}, "Links": {"Self": self_url},
                "Meta": {"TotalPages": 1}}
    if extras:
        document[AGGREGATION_MEMBER] = aggregation_member(result, psu_present, totals=True)
    return document


def aggregation_member(result: Aggregate, psu_present: bool, *, totals: bool) -> dict:
    banks = []
    for report in result.banks:
        retry = report.retry_after
        banks.append({"BankId": report.bank_id, "Status": report.status.value,
                      "Source": report.source,
                      "FetchedAt": report.fetched_at.isoformat() if report.fetched_at else None,
                      "ErrorType": report.error_type,
                      "RetryAfter": int(retry + 0.999) if retry is not None else None})
    extras: dict[str, Any] = {
        "PsuPresent": psu_present, "Banks": banks,
        "Accounts": [{"AccountId": record.account_id, "BankId": record.bank_id}
                     for record in result.accounts]}
    if totals:
        extras["Totals"] = [{"Currency": t.currency, "Available": str(t.available),
                             "CreditLines": str(t.credit_lines), "AccountCount": t.accounts}
                            for t in result.totals]
    return extras

