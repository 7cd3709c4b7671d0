"""The UK Open Banking v4.0 shape of the transaction timeline: OBTransaction6 entries in an
OBReadTransaction6 document, its Links and Meta, and the `Aggregation` member that
`include=aggregation` adds. Pure: the service's page in, a JSON-ready dict out.

Members OB reserves to ReadTransactionsDetail (TransactionInformation, Balance,
MerchantDetails, CreditorAccount, DebtorAccount) are left out without it. This service's own
additions ride in the standard's open `SupplementaryData` object: `Category` (from
`aggregation.data.categories`, null when unknown) and `LinkedTransaction` (the other leg of a
transfer between two accounts of the consent).
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from aggregation.domain import Money, iso_utc
from aggregation.enrichment import INTERNAL_TRANSFER
from aggregation.ob_wire import AGGREGATION_MEMBER
from aggregation.transaction import TransactionStatus
from aggregation.txn_codec import Entry
from aggregation.txn_service import TimelinePage

DETAIL_ONLY = ("TransactionInformation", "Balance", "MerchantDetails", "CreditorAccount",
               "DebtorAccount")
STATUS = {TransactionStatus.BOOKED: "BOOK", TransactionStatus.PENDING: "PDNG"}


def _amount(money: Money) -> dict[str, str]:
    return {"Amount": str(abs(money.amount)), "Currency": money.currency}


def ob_transaction(entry: Entry, detail: bool) -> dict[str, Any]:
    tx = entry.transaction
    debit = tx.amount.amount < 0
    data: dict[str, Any] = {
        "AccountId": entry.account_id, "TransactionId": entry.key,
        "TransactionReference": tx.reference,
        "CreditDebitIndicator": "Debit" if debit else "Credit",
        "Status": STATUS[tx.status],
        "TransactionMutability": "Immutable" if tx.status is TransactionStatus.BOOKED
        else "Mutable",
        "BookingDateTime": iso_utc(tx.booked_at),
        "ValueDateTime": iso_utc(tx.value_at) if tx.value_at else None,
        "Amount": _amount(tx.amount)}
    if tx.instructed_amount is not None and tx.exchange_rate is not None:
        data["CurrencyExchange"] = {
            "SourceCurrency": tx.instructed_amount.currency,
            "TargetCurrency": tx.amount.currency, "UnitCurrency": tx.instructed_amount.currency,
            "ExchangeRate": float(tx.exchange_rate),
            "InstructedAmount": _amount(tx.instructed_amount)}
    if tx.bank_transaction_code is not None:
        code = tx.bank_transaction_code
        data["BankTransactionCode"] = {"Code": code.family, "SubCode": code.sub_family}
    if tx.proprietary_code:
        data["ProprietaryBankTransactionCode"] = {"Code": tx.proprietary_code[:35]}
    if detail:
        data.update(_detail(tx, debit))
    linked = entry.linked_key is not None
    data["SupplementaryData"] = {"Category": INTERNAL_TRANSFER if linked else entry.category}
    if linked:
        data["SupplementaryData"]["LinkedTransaction"] = {
            "AccountId": entry.linked_account_id, "TransactionId": entry.linked_key}
    return {k: v for k, v in data.items() if v is not None}


def _detail(tx, debit: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"TransactionInformation": (tx.remittance or "")[:500] or None}
    if tx.balance_after is not None:
        data["Balance"] = {"CreditDebitIndicator": "Debit" if tx.balance_after.amount < 0
                           else "Credit", "Type": "ITBD", "Amount": _amount(tx.balance_after)}
    if tx.merchant_name or tx.merchant_category_code:
        data["MerchantDetails"] = {k: v for k, v in (
            ("MerchantName", tx.merchant_name),
            ("MerchantCategoryCode", tx.merchant_category_code)) if v}
    party = {}
    if tx.counterparty_account is not None:
        party = {"SchemeName": f"UK.OBIE.{tx.counterparty_account.scheme}",
                 "Identification": tx.counterparty_account.identification}
    if tx.counterparty_name:
        party["Name"] = tx.counterparty_name[:350]
    if party:
        data["CreditorAccount" if debit else "DebtorAccount"] = party
    return data


def transactions_document(page: TimelinePage, *, self_url: str, base_url: str,
                          first_query: dict[str, str], extras: bool = False,
                          psu_present: bool = False) -> dict:
    """OBReadTransaction6 with Links (Self, First, Prev, Next, Last) and Meta."""
    def url(**query: str) -> str:
        query = {**query, **({"include": "aggregation"} if extras else {})}
        return f"{base_url}?{urlencode(query)}" if query else base_url

    links = {"Self": self_url, "First": url(**first_query)}
    if page.prev_page:
        links["Prev"] = url(page=page.prev_page)
    if page.next_page:
        links["Next"] = url(page=page.next_page)
    links["Last"] = url(page=page.last_page) if page.last_page else links["First"]
    meta: dict[str, Any] = {"TotalPages": max(1, math.ceil(page.total / page.page_size))}
    if page.first_available is not None:
        meta["FirstAvailableDateTime"] = iso_utc(page.first_available)
        meta["LastAvailableDateTime"] = iso_utc(page.last_available)
    document = {"Data": {"Transaction": [ob_transaction(e, page.detail)
                                         for e in page.entries]},
                "Links": links, "Meta": meta}
    if extras:
        document[AGGREGATION_MEMBER] = aggregation_member(page, psu_present)
    return document


def aggregation_member(page: TimelinePage, psu_present: bool) -> dict:
    banks = []
    for report in page.banks:
        retry = report.retry_after
        banks.append({"BankId": report.bank_id, "Status": report.status.value,
                      "Source": report.source,
                      "FetchedAt": iso_utc(report.fetched_at) if report.fetched_at else None,
                      "ErrorType": report.error_type,
                      "RetryAfter": int(retry + 0.999) if retry is not None else None,
                      "HistoryComplete": report.complete})
    return {"PsuPresent": psu_present, "Banks": banks,
            "Accounts": [{"AccountId": a, "BankId": b} for a, b in sorted(page.accounts.items())]}
