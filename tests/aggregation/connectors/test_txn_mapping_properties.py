"""Property tests of the transaction mappers: any listing the standard allows maps into the one
model with its amount exact and signed from the holder's side; anything else raises BadPayload,
never a KeyError, TypeError or decimal error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregation.connectors import bg_txn_mapping, ob_txn_mapping, paging
from aggregation.connectors.errors import BadPayload
from aggregation.transaction import TransactionPage, TransactionStatus
from tests.aggregation.connectors.test_mapping_properties import (
    BG_AMOUNTS,
    CURRENCIES,
    IDS,
    JSON,
    MOMENTS,
    OB_AMOUNTS,
    _mutations,
)

NAMES = st.text(st.characters(codec="utf-8", categories=["L", "Zs"]), min_size=1, max_size=70)
CODES = st.from_regex(r"[A-Z]{4}", fullmatch=True)
RATES = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("999"), places=4)
REPORTED = dt.datetime(2026, 12, 3, 9, 30, tzinfo=dt.UTC)


@st.composite
def ob_row(draw):
    currency = draw(CURRENCIES)
    row = {"AccountId": "acc-1", "TransactionId": draw(IDS),
           "CreditDebitIndicator": draw(st.sampled_from(["Credit", "Debit"])),
           "Status": draw(st.sampled_from(["BOOK", "PDNG", "FUTR", "INFO", "RJCT"])),
           "BookingDateTime": draw(MOMENTS).isoformat(),
           "Amount": {"Amount": draw(OB_AMOUNTS), "Currency": currency},
           "BankTransactionCode": {"Code": draw(CODES), "SubCode": draw(CODES)}}
    side = "CreditorAccount" if row["CreditDebitIndicator"] == "Debit" else "DebtorAccount"
    if draw(st.booleans()):
        row[side] = {"SchemeName": "UK.OBIE.IBAN", "Identification": draw(IDS),
                     "Name": draw(NAMES)}
    if draw(st.booleans()):
        row["MerchantDetails"] = {"MerchantName": draw(NAMES),
                                  "MerchantCategoryCode": draw(st.from_regex(r"\d{3,4}",
                                                                              fullmatch=True))}
    if draw(st.booleans()):
        row["CurrencyExchange"] = {"SourceCurrency": draw(CURRENCIES),
                                   "ExchangeRate": float(draw(RATES)),
                                   "InstructedAmount": {"Amount": draw(OB_AMOUNTS),
                                                        "Currency": draw(CURRENCIES)}}
    return row


@st.composite
def bg_row(draw):
    row = {"transactionId": draw(IDS),
           "transactionAmount": {"currency": draw(CURRENCIES), "amount": draw(BG_AMOUNTS)},
           "bankTransactionCode": "-".join(draw(st.lists(CODES, min_size=3, max_size=3)))}
    if draw(st.booleans()):
        row["bookingDate"] = draw(MOMENTS).date().isoformat()
    if draw(st.booleans()):
        row["valueDate"] = draw(MOMENTS).date().isoformat()
    side = "creditor" if row["transactionAmount"]["amount"].startswith("-") else "debtor"
    if draw(st.booleans()):
        row[f"{side}Name"] = draw(NAMES)
        row[f"{side}Account"] = {"iban": "DE89370400440532013000"}
    if draw(st.booleans()):
        row["currencyExchange"] = [{"sourceCurrency": draw(CURRENCIES),
                                    "exchangeRate": str(draw(RATES)), "unitCurrency": "USD",
                                    "targetCurrency": "EUR", "quotationDate": "2026-01-02"}]
    return row


OB_PAGES = st.lists(ob_row(), max_size=5).map(lambda rows: {
    "Data": {"Transaction": rows}, "Links": {"Self": "https://bank.example/a"}})
BG_PAGES = st.tuples(st.lists(bg_row(), max_size=4), st.lists(bg_row(), max_size=3)).map(
    lambda lists: {"transactions": {
        "booked": [r for r in lists[0] if "bookingDate" in r], "pending": lists[1],
        "_links": {"account": {"href": "/v1/accounts/acc-1"}}}})


@given(OB_PAGES)
def test_ob_listing_maps_signed_and_exact(payload):
    page = ob_txn_mapping.page("ob", payload, "acc-1")
    kept = [r for r in payload["Data"]["Transaction"] if r["Status"] in ("BOOK", "PDNG")]
    for row, mapped in zip(kept, page.transactions, strict=True):
        sent = Decimal(row["Amount"]["Amount"])
        debit = row["CreditDebitIndicator"] == "Debit" and sent != 0
        assert str(mapped.amount.amount) == ("-" if debit else "") + str(sent)
        assert mapped.status is (TransactionStatus.BOOKED if row["Status"] == "BOOK"
                                 else TransactionStatus.PENDING)
        assert mapped.booked_at == dt.datetime.fromisoformat(row["BookingDateTime"])
        assert mapped.booked_at.utcoffset() == dt.timedelta(0)
        side = row.get("CreditorAccount") or row.get("DebtorAccount")
        merchant = row.get("MerchantDetails", {}).get("MerchantName")
        assert mapped.counterparty_name == (side["Name"] if side else merchant)
        assert mapped.bank_transaction_code.family == row["BankTransactionCode"]["Code"]
        if "MerchantDetails" in row:
            assert mapped.merchant_category_code == \
                row["MerchantDetails"]["MerchantCategoryCode"].zfill(4)
        if "CurrencyExchange" in row:
            exchange = row["CurrencyExchange"]
            assert mapped.exchange_rate == Decimal(str(exchange["ExchangeRate"]))
            assert mapped.instructed_amount.amount == \
                Decimal(exchange["InstructedAmount"]["Amount"])
    assert page.next_cursor is None


@given(BG_PAGES)
def test_bg_listing_maps_signed_and_exact(payload):
    page = bg_txn_mapping.page("bg", payload, "acc-1", REPORTED)
    report = payload["transactions"]
    rows = [(r, TransactionStatus.BOOKED) for r in report["booked"]] + \
        [(r, TransactionStatus.PENDING) for r in report["pending"]]
    for (row, status), mapped in zip(rows, page.transactions, strict=True):
        sent = Decimal(row["transactionAmount"]["amount"])
        assert mapped.amount.amount == sent and mapped.status is status
        assert mapped.amount.amount.as_tuple().exponent == sent.as_tuple().exponent
        day = row.get("bookingDate") or row.get("valueDate")
        assert mapped.booked_at == (dt.datetime.fromisoformat(day).replace(tzinfo=dt.UTC)
                                    if day else REPORTED)
        name = row.get("creditorName") if sent < 0 else row.get("debtorName")
        assert mapped.counterparty_name == name
        code = mapped.bank_transaction_code
        assert f"{code.domain}-{code.family}-{code.sub_family}" == row["bankTransactionCode"]
        assert mapped.merchant_name == (name if code.family == "CCRD" else None)
        if "currencyExchange" in row:
            assert mapped.exchange_rate == Decimal(row["currencyExchange"][0]["exchangeRate"])


@settings(max_examples=300)
@given(st.data())
def test_malformed_listings_raise_bad_payload_only(data):
    for pages, mapper in ((OB_PAGES, lambda p: ob_txn_mapping.page("x", p, "acc-1")),
                          (BG_PAGES, lambda p: bg_txn_mapping.page("x", p, "acc-1", REPORTED))):
        payload = _mutations(data.draw(pages), data.draw)
        try:
            assert isinstance(mapper(payload), TransactionPage)
        except BadPayload as exc:
            assert exc.bank_id == "x"


@given(JSON)
def test_arbitrary_json_never_escapes(value):
    for mapper in (lambda p: ob_txn_mapping.page("x", p, "a"),
                   lambda p: bg_txn_mapping.page("x", p, "a", REPORTED)):
        try:
            mapper(value)
        except BadPayload:
            pass


def test_another_accounts_rows_are_refused():
    row = {"AccountId": "other", "CreditDebitIndicator": "Credit", "Status": "BOOK",
           "BookingDateTime": "2026-01-01T00:00:00Z",
           "Amount": {"Amount": "1.00", "Currency": "GBP"}}
    with pytest.raises(BadPayload, match="another account"):
        ob_txn_mapping.page("ob", {"Data": {"Transaction": [row]}}, "acc-1")


API = "https://bank.example/api"


@pytest.mark.parametrize("link", ["https://evil.example/api/accounts?page=2",
                                  "https://bank.example/apix/accounts", "//evil.example/api",
                                  "https://bank.example/other", 42])
def test_page_links_outside_the_bank_are_refused(link):
    with pytest.raises(BadPayload, match="outside"):
        paging.page_path("b", API, link)


def test_page_links_absolute_or_relative():
    assert paging.page_path("b", API, f"{API}/accounts/a/transactions?page=2") == \
        "/accounts/a/transactions?page=2"
    assert paging.page_path("b", API, "/api/v1/accounts?pageIndex=1") == "/v1/accounts?pageIndex=1"


def test_a_bank_whose_links_loop_is_broken():
    pages = paging.follow("b", API, "/p1", lambda path: TransactionPage((), f"{API}/p1"))
    next(pages)
    with pytest.raises(BadPayload, match="loop"):
        next(pages)
