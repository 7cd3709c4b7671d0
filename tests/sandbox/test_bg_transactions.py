"""A Berlin Group sandbox bank's transaction listing: booked and pending lists valid against
the 1.3.9 schema, its own pages (`pageIndex`, relative `_links`), and its refusals."""

from __future__ import annotations

import datetime as dt

import pytest

from sandbox.state import AUTHORISED
from tests.aggregation.spec_transactions import assert_valid
from tests.sandbox.test_api import BG, bg_headers


def psu_headers(state, access=None, accounts=("rf-3001",), psu_present=True, **consent) -> dict:
    held = state.add_consent(access=access or {"transactions": []}, **consent)
    state.set_status(held, AUTHORISED, psu="carol", accounts=accounts)
    token, _ = state.issue_token("psu", "tpp", held.id, f"AIS:{held.id}")
    headers = bg_headers(**{"Consent-ID": held.id, "Authorization": f"Bearer {token}"})
    if not psu_present:
        del headers["PSU-IP-Address"]
    return headers


def since(days: int) -> str:
    return (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days)).isoformat()


def test_booked_and_pending_in_pages(client, states):
    headers = psu_headers(states["rheinfeld"])
    url = f"{BG}/accounts/rf-3001/transactions?bookingStatus=both&dateFrom={since(730)}"
    booked, pending, pages = [], [], 0
    while url:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.json
        assert_valid(response.json, "transactionsResponse-200_json")
        report = response.json["transactions"]
        booked += report["booked"]
        pending += report["pending"]
        pages += 1
        url = report["_links"].get("next", {}).get("href")
        assert url is None or url.startswith("/sandbox/rheinfeld/v1/accounts/rf-3001/")
    assert pages > 1 and len(booked) > 2000
    assert all("bookingDate" in t for t in booked)
    assert all("bookingDate" not in t and "valueDate" in t for t in pending)
    assert any(t.get("currencyExchange") for t in booked)
    own = [t for t in booked if t.get("endToEndId", "").startswith("OWN")]
    assert own and all(t["transactionAmount"]["amount"].startswith("-") and
                       t["creditorName"] and "bban" in t["creditorAccount"] for t in own)


def test_booked_only(client, states):
    response = client.get(f"{BG}/accounts/rf-3001/transactions?bookingStatus=booked"
                          f"&dateFrom={since(20)}&dateTo={since(10)}",
                          headers=psu_headers(states["rheinfeld"]))
    report = response.json["transactions"]
    assert "pending" not in report and report["booked"]
    assert all(since(20) <= t["bookingDate"] <= since(10) for t in report["booked"])


@pytest.mark.parametrize(("query", "status", "code"), [
    ("bookingStatus=both", 400, "FORMAT_ERROR"),
    (f"dateFrom={since(3)}", 400, "FORMAT_ERROR"),
    (f"bookingStatus=information&dateFrom={since(3)}", 400, "PARAMETER_NOT_SUPPORTED"),
    (f"bookingStatus=both&dateFrom={since(3)}&pageIndex=99", 400, "FORMAT_ERROR"),
    ("bookingStatus=both&dateFrom=last-week", 400, "FORMAT_ERROR"),
])
def test_refusals(client, states, query, status, code):
    response = client.get(f"{BG}/accounts/rf-3001/transactions?{query}",
                          headers=psu_headers(states["rheinfeld"]))
    assert response.status_code == status and response.json["tppMessages"][0]["code"] == code


def test_the_consent_must_grant_transactions(client, states):
    state = states["rheinfeld"]
    headers = psu_headers(state, access={"balances": []})
    response = client.get(f"{BG}/accounts/rf-3001/transactions?bookingStatus=both"
                          f"&dateFrom={since(3)}", headers=headers)
    assert response.status_code == 401
    assert response.json["tppMessages"][0]["code"] == "CONSENT_INVALID"
    other = client.get(f"{BG}/accounts/rf-1001/transactions?bookingStatus=both"
                       f"&dateFrom={since(3)}", headers=psu_headers(state))
    assert other.status_code == 404


def test_unattended_listing_counts_against_frequency(client, states):
    headers = psu_headers(states["rheinfeld"], psu_present=False, frequency_per_day=1)
    url = f"{BG}/accounts/rf-3001/transactions?bookingStatus=both&dateFrom={since(730)}"
    first = client.get(url, headers=headers)
    assert client.get(first.json["transactions"]["_links"]["next"]["href"],
                      headers=headers).status_code == 200
    again = client.get(url, headers=headers)
    assert again.status_code == 429 and again.json["tppMessages"][0]["code"] == \
        "ACCESS_EXCEEDED"
