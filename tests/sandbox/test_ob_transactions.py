"""A UK sandbox bank's transaction listing: OBReadTransaction6 pages valid against the official
v4.0 schema, links that walk the whole window, and the consent's permissions and window."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest

from sandbox import history
from sandbox.state import AUTHORISED
from tests.aggregation.spec_transactions import assert_valid
from tests.sandbox.test_api import OB

DETAIL = ("ReadAccountsDetail", "ReadTransactionsDetail", "ReadTransactionsCredits",
          "ReadTransactionsDebits")
DETAIL_MEMBERS = ("TransactionInformation", "MerchantDetails", "CreditorAccount",
                  "DebtorAccount", "Balance")


def psu_token(state, permissions=DETAIL, accounts=("tm-2001",), **consent) -> dict:
    """A PSU's bearer token for an authorised consent at the bank (the OAuth dance is tested
    elsewhere)."""
    held = state.add_consent(client_id="tpp", permissions=permissions, **consent)
    state.set_status(held, AUTHORISED, psu="bob", accounts=accounts)
    token, _ = state.issue_token("psu", "tpp", held.id, "accounts")
    return {"Authorization": f"Bearer {token}", "x-fapi-customer-ip-address": "203.0.113.7"}


def walk(client, headers, url) -> list[dict]:
    bodies = []
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.json
        assert_valid(response.json, "OBReadTransaction6")
        bodies.append(response.json)
        url = response.json["Links"].get("Next")
        if url:
            parts = urlsplit(url)
            url = f"{parts.path}?{parts.query}"
    return bodies


def test_pages_walk_the_whole_window(client, states):
    headers = psu_token(states["thamesmoor"])
    bodies = walk(client, headers, f"{OB}/accounts/tm-2001/transactions")
    rows = [t for body in bodies for t in body["Data"]["Transaction"]]
    assert len(bodies) == bodies[0]["Meta"]["TotalPages"] > 1
    assert len(rows) > 2000 and len({t["TransactionId"] for t in rows}) == len(rows)
    assert [t["BookingDateTime"] for t in rows] == sorted(t["BookingDateTime"] for t in rows)
    assert {t["Status"] for t in rows} <= {"BOOK", "PDNG"}
    assert any("MerchantDetails" in t for t in rows)
    assert any(t.get("CreditorAccount", {}).get("SchemeName") == "UK.OBIE.SortCodeAccountNumber"
               for t in rows)
    assert bodies[-1]["Links"]["Self"] == bodies[0]["Links"]["Last"]
    assert "Prev" in bodies[-1]["Links"] and "Next" not in bodies[-1]["Links"]


def test_basic_leaves_out_the_detail_members(client, states):
    headers = psu_token(states["thamesmoor"], permissions=(
        "ReadAccountsBasic", "ReadTransactionsBasic", "ReadTransactionsCredits",
        "ReadTransactionsDebits"))
    rows = client.get(f"{OB}/accounts/tm-2001/transactions",
                      headers=headers).json["Data"]["Transaction"]
    assert rows and not any(member in row for row in rows for member in DETAIL_MEMBERS)


@pytest.mark.parametrize(("permission", "credit"), [("ReadTransactionsCredits", True),
                                                    ("ReadTransactionsDebits", False)])
def test_credits_or_debits_only(client, states, permission, credit):
    headers = psu_token(states["thamesmoor"], permissions=("ReadTransactionsDetail", permission))
    bodies = walk(client, headers, f"{OB}/accounts/tm-2001/transactions")
    indicators = {t["CreditDebitIndicator"] for b in bodies for t in b["Data"]["Transaction"]}
    assert indicators == {"Credit" if credit else "Debit"}


def test_the_consent_and_the_request_bound_the_window(client, states):
    state = states["thamesmoor"]
    now = state.now()
    since = (now - dt.timedelta(days=60)).isoformat()
    headers = psu_token(state, transaction_from=since)
    ask_from = (now - dt.timedelta(days=400)).strftime("%Y-%m-%dT%H:%M:%S")
    ask_to = (now - dt.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S+05:00")  # zone ignored
    body = client.get(f"{OB}/accounts/tm-2001/transactions?fromBookingDateTime={ask_from}"
                      f"&toBookingDateTime={ask_to.replace('+', '%2B')}", headers=headers).json
    moments = [dt.datetime.fromisoformat(t["BookingDateTime"])
               for t in body["Data"]["Transaction"]]
    assert moments and min(moments) >= now - dt.timedelta(days=60, seconds=1)
    assert max(moments) <= now - dt.timedelta(days=30) + dt.timedelta(seconds=1)


def test_refusals_in_the_standards_words(client, states):
    state = states["thamesmoor"]
    no_transactions = psu_token(state, permissions=("ReadAccountsDetail", "ReadBalances"))
    refused = client.get(f"{OB}/accounts/tm-2001/transactions", headers=no_transactions)
    assert refused.status_code == 403 and refused.json["Errors"][0]["ErrorCode"] == "U008"
    headers = psu_token(state)
    other = client.get(f"{OB}/accounts/tm-1001/transactions", headers=headers)
    assert other.status_code == 403
    for query in ("fromBookingDateTime=yesterday", "page=0", "page=x", "page=999"):
        bad = client.get(f"{OB}/accounts/tm-2001/transactions?{query}", headers=headers)
        assert bad.status_code == 400 and bad.json["Errors"][0]["ErrorCode"] == "U002", query


def test_unattended_listings_count_once_however_many_pages(client, states):
    state = states["thamesmoor"]
    headers = psu_token(state)
    del headers["x-fapi-customer-ip-address"]
    first = client.get(f"{OB}/accounts/tm-2001/transactions", headers=headers)
    walk(client, headers, first.json["Links"]["Next"])  # the other pages count nothing
    for _ in range(3):
        assert client.get(f"{OB}/accounts/tm-2001/transactions",
                          headers=headers).status_code == 200
    limited = client.get(f"{OB}/accounts/tm-2001/transactions", headers=headers)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0


def test_first_and_last_available(client, states):
    body = client.get(f"{OB}/accounts/tm-2001/transactions",
                      headers=psu_token(states["thamesmoor"])).json
    first = dt.datetime.fromisoformat(body["Meta"]["FirstAvailableDateTime"])
    last = dt.datetime.fromisoformat(body["Meta"]["LastAvailableDateTime"])
    assert last - first == history.WINDOW
