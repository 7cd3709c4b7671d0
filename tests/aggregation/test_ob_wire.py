"""The OB v4.0 account document (`ob_account`): v4 names, the ISO cash account type whatever
standard the bank speaks, and only values the v4.0 enums admit."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from aggregation.connectors import bg_mapping, ob_mapping
from aggregation.domain import Account
from aggregation.ob_wire import OB_ACCOUNT_STATUSES, OB_ACCOUNT_TYPE_CODES, ob_account
from tests.conformance.ob_v4_schemas import violations


def _valid(account: dict) -> list[str]:
    return violations({"Data": {"Account": [{"AccountId": "a1", **account}]}}, "OBReadAccount6")


def test_a_berlin_group_account_maps_cash_account_type_not_product():
    [account] = bg_mapping.accounts("rheinfeld", {"accounts": [{
        "resourceId": "r1", "currency": "EUR", "iban": "DE89370400440532013000",
        "product": "Girokonto", "cashAccountType": "CACC", "usage": "PRIV",
        "status": "blocked"}]})
    assert (account.product, account.type_code) == ("Girokonto", "CACC")
    document = ob_account(account)
    assert document["AccountTypeCode"] == "CACC" and document["AccountCategory"] == "Personal"
    assert document["Status"] == "Disabled"
    assert _valid(document) == []


def test_an_ob_account_keeps_its_v4_names():
    [account] = ob_mapping.accounts("northgate", {"Data": {"Account": [{
        "AccountId": "n1", "Currency": "GBP", "AccountCategory": "Business",
        "AccountTypeCode": "SVGS", "Nickname": "Rainy day"}]}})
    document = ob_account(account)
    assert {k: document[k] for k in ("AccountCategory", "AccountTypeCode", "Status")} == {
        "AccountCategory": "Business", "AccountTypeCode": "SVGS", "Status": "Enabled"}
    assert "AccountType" not in document and "AccountSubType" not in document


@given(type_code=st.none() | st.text(max_size=12),
       category=st.none() | st.sampled_from(["personal", "business", "other"]),
       status=st.none() | st.text(max_size=10) | st.sampled_from(
           [s.lower() for s in OB_ACCOUNT_STATUSES] + ["blocked"]),
       name=st.none() | st.text(min_size=1, max_size=120))
def test_any_account_becomes_a_valid_ob_account_6(type_code, category, status, name):
    """Whatever the bank sent, the document admits only the v4.0 enum values: a code OB does
    not list is OTHR, an unknown category or status is left out."""
    account = Account("b1", "EUR", name=name, type_code=type_code, category=category,
                      status=status)
    document = ob_account(account)
    assert _valid(document) == []
    if (type_code or "").strip():
        assert document["AccountTypeCode"] in OB_ACCOUNT_TYPE_CODES
        if type_code.strip().upper() in OB_ACCOUNT_TYPE_CODES:
            assert document["AccountTypeCode"] == type_code.strip().upper()
