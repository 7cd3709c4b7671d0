"""The OB v4.0 permission rules, example by example and as properties over any permission set."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent.errors import ConsentRequestInvalid
from consent.permissions import (
    ACCOUNT_READS,
    PERMISSIONS,
    TX_DIRECTIONS,
    TX_READS,
    parse_consent_request,
    permission_errors,
)
from tests.consent.conftest import consent_body

NOW = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC)


def codes(body) -> list[tuple[str, str | None]]:
    with pytest.raises(ConsentRequestInvalid) as err:
        parse_consent_request(body, NOW)
    return [(e["ErrorCode"], e.get("Path")) for e in err.value.to_dict()["Errors"]]


def test_valid_request_parses():
    request = parse_consent_request(consent_body(
        ("ReadAccountsDetail", "ReadTransactionsBasic", "ReadTransactionsCredits"),
        ExpirationDateTime="2027-01-01T00:00:00+00:00",
        TransactionFromDateTime="2026-01-01T00:00:00Z",
        TransactionToDateTime="2026-06-01T00:00:00+01:00"), NOW)
    assert request.expiration == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    assert request.transaction_to == dt.datetime(2026, 5, 31, 23, tzinfo=dt.UTC)


@pytest.mark.parametrize(("permissions", "expected"), [
    ((), [("U004", "Data.Permissions")]),
    (("ReadAccountsBasic", "ReadEverything"), [("U002", "Data.Permissions[1]")]),
    (("ReadAccountsBasic", "ReadAccountsBasic"), [("U002", "Data.Permissions[1]")]),
    (("ReadBalances",), [("U001", "Data.Permissions")]),
    (("ReadAccountsBasic", "ReadTransactionsCredits"), [("U001", "Data.Permissions")]),
    (("ReadAccountsBasic", "ReadTransactionsDebits"), [("U001", "Data.Permissions")]),
    (("ReadAccountsBasic", "ReadTransactionsBasic"), [("U001", "Data.Permissions")]),
    (("ReadAccountsBasic", "ReadTransactionsDetail"), [("U001", "Data.Permissions")]),
])
def test_permission_rules(permissions, expected):
    assert codes(consent_body(permissions)) == expected


def test_basic_and_detail_together_is_not_an_error():
    parse_consent_request(consent_body(("ReadAccountsBasic", "ReadAccountsDetail")), NOW)


def test_dates():
    assert codes(consent_body(ExpirationDateTime="2026-11-26T11:59:59+00:00")) == [
        ("U003", "Data.ExpirationDateTime")]
    assert codes(consent_body(TransactionFromDateTime="2026-02-01T00:00:00Z",
                              TransactionToDateTime="2026-01-01T00:00:00Z")) == [
        ("U003", "Data.TransactionToDateTime")]
    assert codes(consent_body(ExpirationDateTime="2027-01-01T00:00:00")) == [
        ("U002", "Data.ExpirationDateTime")]
    assert codes(consent_body(ExpirationDateTime="tomorrow")) == [
        ("U002", "Data.ExpirationDateTime")]


def test_envelope():
    assert codes([]) == [("U010", None)]
    assert codes({"Risk": {}}) == [("U004", "Data")]
    assert codes({"Data": {"Permissions": ["ReadAccountsBasic"]}}) == [("U004", "Risk")]
    assert codes({"Data": {"Permissions": ["ReadAccountsBasic"]}, "Risk": {"x": 1}}) == [
        ("U005", "Risk")]
    assert codes({"Data": {"Permissions": ["ReadAccountsBasic"]}, "Risk": []}) == [
        ("U002", "Risk")]


def test_every_error_listed_at_once():
    body = consent_body(("ReadBalances", "ReadTransactionsCredits"),
                        ExpirationDateTime="2020-01-01T00:00:00Z")
    assert {code for code, _ in codes(body)} == {"U001", "U003"}


@given(st.sets(st.sampled_from(sorted(PERMISSIONS)), min_size=1))
def test_any_known_set_obeys_the_profile(chosen):
    errors = permission_errors(sorted(chosen))
    ok = (bool(chosen & set(ACCOUNT_READS))
          and (not chosen & set(TX_READS) or bool(chosen & set(TX_DIRECTIONS)))
          and (not chosen & set(TX_DIRECTIONS) or bool(chosen & set(TX_READS))))
    assert (errors == []) is ok
    assert all(e.code == "U001" for e in errors)


@given(st.lists(st.text(max_size=30), min_size=1, max_size=5))
def test_unknown_codes_are_always_u002(values):
    unknown = [v for v in values if v not in PERMISSIONS]
    errors = permission_errors(["ReadAccountsBasic", *values])
    if unknown:
        assert any(e.code == "U002" for e in errors)
    for e in errors:
        assert len(e.to_dict()["ErrorCode"]) == 4


@given(st.one_of(st.none(), st.integers(), st.text(), st.dictionaries(st.text(), st.integers()),
                 st.lists(st.one_of(st.integers(), st.none(), st.dictionaries(st.text(),
                                                                             st.text())))))
def test_garbage_never_crashes(value):
    with pytest.raises(ConsentRequestInvalid):
        parse_consent_request({"Data": {"Permissions": value}, "Risk": {}}, NOW)
