"""`GET /v1/accounts/{account-id}/transactions` of a Berlin Group sandbox bank.

`bookingStatus` is `booked`, `pending` or `both` (`information` and `all` are not offered:
400 `PARAMETER_NOT_SUPPORTED`); `dateFrom` is required (no delta reports), `dateTo` defaults to
today. Pages of `transaction_page_size` entries through `pageIndex` (from 0), linked as
relative `_links.first/previous/next/last` that repeat the dates. Booked entries carry
`bookingDate` and `valueDate`; pending ones only the `valueDate`. The 1.3 account report has no
merchant category code or instructed amount: a card payment names its merchant as the creditor,
and foreign spend carries `currencyExchange`. Only the first page of an unattended listing
counts against the consent's `frequencyPerDay`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from urllib.parse import urlencode

from flask import Blueprint, Response, request, url_for

from sandbox import history
from sandbox.history import Entry
from sandbox.ob_transactions import BadQuery, json_answer, page_number
from sandbox.state import BankState

STATUSES = ("booked", "pending", "both")
IDENTIFIER_KEY = {"IBAN": "iban", "SortCodeAccountNumber": "bban"}


def register(bp: Blueprint, state: BankState, data_consent: Callable,
             bg_error: Callable[..., Response]) -> None:
    bank = state.bank

    @bp.get("/v1/accounts/<account_id>/transactions")
    def bg_transactions(account_id: str):
        consent, refusal = data_consent(balances=False, transactions=True)
        if refusal:
            return refusal
        account = next((a for a in bank.accounts
                        if a.id == account_id and a.id in consent.accounts), None)
        if account is None:
            return bg_error(404, "RESOURCE_UNKNOWN", "No such account for this consent.")
        status = request.args.get("bookingStatus")
        if status in ("information", "all"):
            return bg_error(400, "PARAMETER_NOT_SUPPORTED", f"bookingStatus {status}.")
        now = state.now()
        try:
            if status not in STATUSES:
                raise BadQuery("bookingStatus is booked, pending or both.")
            start = _day(request.args.get("dateFrom"), "dateFrom")
            end = _day(request.args.get("dateTo"), "dateTo") if "dateTo" in request.args \
                else now.date()
            page = page_number(request.args.get("pageIndex"), first=0)
        except BadQuery as exc:
            return bg_error(400, "FORMAT_ERROR", str(exc))
        if page == 1 and not request.headers.get("PSU-IP-Address") and \
                not state.count_unattended(consent, account.id, consent.frequency_per_day):
            response = bg_error(429, "ACCESS_EXCEEDED",
                                "The unattended accesses for today are used up.")
            response.headers["Retry-After"] = str(state.seconds_to_midnight())
            return response
        entries = [e for e in history.window(
            account, history.HOME_CURRENCY[bank.country], now,
            dt.datetime.combine(start, dt.time(), tzinfo=dt.UTC),
            dt.datetime.combine(end, dt.time.max, tzinfo=dt.UTC))
            if status == "both" or e.pending(now) == (status == "pending")]
        size = bank.transaction_page_size
        pages = max(1, math.ceil(len(entries) / size))
        if page > pages:
            return bg_error(400, "FORMAT_ERROR", f"There are {pages} page(s).")
        shown = entries[(page - 1) * size: page * size]
        report = {"booked": [_render(e, now) for e in shown if not e.pending(now)],
                  "_links": _links(account.id, status, start, end, page, pages)}
        if status != "booked":
            report["pending"] = [_render(e, now) for e in shown if e.pending(now)]
        return json_answer({"account": {"iban": account.identification,
                                        "currency": account.currency},
                            "transactions": report})


def _day(value: str | None, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        raise BadQuery(f"{name} is an ISO 8601 date.") from None


def _links(account_id: str, status: str, start: dt.date, end: dt.date, page: int,
           pages: int) -> dict:
    base = url_for(".bg_transactions", account_id=account_id)

    def link(number: int) -> dict:
        return {"href": base + "?" + urlencode({
            "bookingStatus": status, "dateFrom": start.isoformat(), "dateTo": end.isoformat(),
            "pageIndex": number - 1})}

    links = {"account": {"href": url_for(".bg_balances", account_id=account_id)
                         .removesuffix("/balances")},
             "first": link(1), "last": link(pages)}
    if page > 1:
        links["previous"] = link(page - 1)
    if page < pages:
        links["next"] = link(page + 1)
    return links


def _render(entry: Entry, now: dt.datetime) -> dict:
    row = {"transactionId": entry.id,
           "transactionAmount": {"currency": entry.currency, "amount": f"{entry.amount:.2f}"},
           "valueDate": entry.authorised_at.date().isoformat(),
           "bankTransactionCode": "-".join(entry.code),
           "proprietaryBankTransactionCode": entry.proprietary}
    if not entry.pending(now):
        row["bookingDate"] = entry.booked_at.date().isoformat()
    if entry.reference:
        row["endToEndId"] = entry.reference[:35]
    if entry.remittance:
        row["remittanceInformationUnstructured"] = entry.remittance[:140]
    side = "creditor" if entry.amount < 0 else "debtor"
    if entry.counterparty:
        row[f"{side}Name"] = entry.counterparty[:70]
    if entry.counterparty_account:
        scheme, identification = entry.counterparty_account
        row[f"{side}Account"] = {IDENTIFIER_KEY[scheme]: identification}
    if entry.instructed:
        _, currency = entry.instructed
        row["currencyExchange"] = [{"sourceCurrency": currency, "exchangeRate": str(entry.rate),
                                    "unitCurrency": currency, "targetCurrency": entry.currency,
                                    "quotationDate": entry.authorised_at.date().isoformat()}]
    return row
