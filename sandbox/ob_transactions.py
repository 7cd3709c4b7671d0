"""`GET /open-banking/v4.0/aisp/accounts/{AccountId}/transactions` of a UK sandbox bank:
`OBReadTransaction6`, oldest first, `transaction_page_size` a page, `Links` First/Prev/Self/
Next/Last as absolute URLs that repeat the window (so later pages do not move while new
transactions arrive), `Meta.TotalPages` and the available window.

As OB defines the permissions: `ReadTransactionsBasic` leaves out the narrative, merchant,
counterparty and balance members that `ReadTransactionsDetail` adds; `ReadTransactionsCredits`
/ `ReadTransactionsDebits` keep only that direction; the consent's `TransactionFromDateTime` /
`TransactionToDateTime` bound the window. `fromBookingDateTime` / `toBookingDateTime` are UTC;
a time zone on them is ignored, as the specification says. Only the first page of an
unattended listing counts against the day's allowance: following its links is the same read.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from urllib.parse import urlencode

from flask import Blueprint, Response, request

from sandbox import history
from sandbox.bank import iso_utc
from sandbox.history import Entry
from sandbox.state import BankState, Consent

DETAIL = "ReadTransactionsDetail"


class BadQuery(ValueError):
    pass


def register(bp: Blueprint, state: BankState, prefix: str, data_consent: Callable,
             ob_error: Callable[..., Response]) -> None:
    bank = state.bank

    @bp.get(f"{prefix}/accounts/<account_id>/transactions")
    def account_transactions(account_id: str):
        consent, refusal = data_consent("ReadTransactionsBasic", DETAIL)
        if refusal:
            return refusal
        account = next((a for a in bank.accounts
                        if a.id == account_id and a.id in consent.accounts), None)
        if account is None:
            return ob_error(403, "U008", "The account is not part of this consent.",
                            "AccountId")
        now = state.now()
        try:
            start, end = requested_window(consent, now, request.args.get("fromBookingDateTime"),
                                          request.args.get("toBookingDateTime"))
            page = page_number(request.args.get("page"), first=1)
        except BadQuery as exc:
            return ob_error(400, "U002", str(exc))
        if page == 1 and not request.headers.get("x-fapi-customer-ip-address") and \
                not state.count_unattended(consent, account.id, bank.unattended_reads_per_day):
            return Response(status=429, headers={"Retry-After": str(state.seconds_to_midnight())})
        entries = allowed(consent, history.window(
            account, history.HOME_CURRENCY[bank.country], now, start, end))
        size = bank.transaction_page_size
        pages = max(1, math.ceil(len(entries) / size))
        if page > pages:
            return ob_error(400, "U002", f"There are {pages} page(s).", "page")
        detail = DETAIL in consent.permissions
        rows = [_render(e, now, detail, bank.name) for e in
                entries[(page - 1) * size: page * size]]
        return json_answer({"Data": {"Transaction": rows},
                            "Links": _links(request.base_url, start, end, page, pages),
                            "Meta": {"TotalPages": pages,
                                     "FirstAvailableDateTime": iso_utc(now - history.WINDOW),
                                     "LastAvailableDateTime": iso_utc(now)}})


def json_answer(body: dict) -> Response:
    """A compact JSON answer, keys in the order written: a page of 500 transactions spent a
    fifth of its time in jsonify sorting keys."""
    return Response(json.dumps(body, separators=(",", ":")), mimetype="application/json")


def requested_window(consent: Consent, now: dt.datetime, start: str | None,
                     end: str | None) -> tuple[dt.datetime, dt.datetime]:
    """[start, end] of a listing: the request's bounds (the last 24 months by default) within
    the consent's; history.window keeps it inside the 24 months the bank offers."""
    lower = [_utc(start, "fromBookingDateTime") or now - history.WINDOW,
             _utc(consent.transaction_from, "TransactionFromDateTime")]
    upper = [now, _utc(end, "toBookingDateTime"),
             _utc(consent.transaction_to, "TransactionToDateTime")]
    start = max(m for m in lower if m is not None).replace(microsecond=0)
    return start, min(m for m in upper if m is not None).replace(microsecond=0)


def allowed(consent: Consent, entries: list[Entry]) -> list[Entry]:
    """Only the directions the consent reads (OB Credits/Debits; Berlin Group reads both)."""
    credits = "ReadTransactionsCredits" in consent.permissions
    debits = "ReadTransactionsDebits" in consent.permissions
    if credits == debits:
        return entries
    return [e for e in entries if (e.amount >= 0) == credits]


def page_number(value: str | None, *, first: int) -> int:
    """The page asked for, counted from 1 whatever the bank's first index is."""
    if value is None:
        return 1
    if not value.isdigit() or int(value) < first or int(value) > 1_000_000:
        raise BadQuery("The page is not a page number.")
    return int(value) - first + 1


def _utc(value: str | None, name: str) -> dt.datetime | None:
    """A date or date-time read as UTC, any zone on it ignored."""
    if value is None:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1]
    elif len(text) > 19 and text[-6] in "+-":
        text = text[:-6]
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise BadQuery(f"{name} is not an ISO 8601 date-time.") from None
    return moment.replace(tzinfo=dt.UTC)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _links(base: str, start: dt.datetime, end: dt.datetime, page: int, pages: int) -> dict:
    def link(number: int) -> str:
        return base + "?" + urlencode({"fromBookingDateTime": _stamp(start),
                                       "toBookingDateTime": _stamp(end), "page": number})

    links = {"Self": link(page), "First": link(1), "Last": link(pages)}
    if page > 1:
        links["Prev"] = link(page - 1)
    if page < pages:
        links["Next"] = link(page + 1)
    return links


def _money(amount, currency: str) -> dict:
    return {"Amount": f"{abs(amount):.2f}", "Currency": currency}


def _render(entry: Entry, now: dt.datetime, detail: bool, bank_name: str) -> dict:
    pending = entry.pending(now)
    row = {"AccountId": entry.account_id, "TransactionId": entry.id,
           "CreditDebitIndicator": "Debit" if entry.amount < 0 else "Credit",
           "Status": "PDNG" if pending else "BOOK",
           "BookingDateTime": iso_utc(entry.moment(now)),
           "Amount": _money(entry.amount, entry.currency),
           "BankTransactionCode": {"Code": entry.code[1], "SubCode": entry.code[2]},
           "ProprietaryBankTransactionCode": {"Code": entry.proprietary,
                                              "Issuer": bank_name[:35]}}
    if not pending:
        row["ValueDateTime"] = iso_utc(entry.booked_at)
    if entry.reference:
        row["TransactionReference"] = entry.reference
    if entry.instructed:
        original, currency = entry.instructed
        row["CurrencyExchange"] = {"SourceCurrency": currency,
                                   "TargetCurrency": entry.currency,
                                   "UnitCurrency": currency,
                                   "ExchangeRate": float(entry.rate),
                                   "InstructedAmount": _money(original, currency)}
    if entry.mcc:
        row["CardInstrument"] = {"CardSchemeName": "VISA", "AuthorisationType": "Contactless",
                                 "Identification": "************4821"}
    if detail:
        _add_detail(row, entry)
    return row


def _add_detail(row: dict, entry: Entry) -> None:
    if entry.remittance:
        row["TransactionInformation"] = entry.remittance
    if entry.merchant:
        row["MerchantDetails"] = {"MerchantName": entry.merchant,
                                  "MerchantCategoryCode": entry.mcc}
    elif entry.counterparty:
        party = {"Name": entry.counterparty}
        if entry.counterparty_account:
            scheme, identification = entry.counterparty_account
            party = {"SchemeName": f"UK.OBIE.{scheme}", "Identification": identification,
                     **party}
        row["CreditorAccount" if entry.amount < 0 else "DebtorAccount"] = party
