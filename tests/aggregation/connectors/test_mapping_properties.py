"""Property tests of the mappers: any payload the standard allows maps, and keeps its amount
exactly; anything else raises BadPayload, never a KeyError, TypeError or decimal error."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from aggregation.connectors import bg_mapping, ob_mapping, vocabulary
from aggregation.connectors.errors import BadPayload
from aggregation.domain import ISO_4217, CreditDebit

CURRENCIES = st.sampled_from(sorted(ISO_4217))
MOMENTS = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1),
                       timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=2)),
                                                  dt.timezone(dt.timedelta(hours=-5))]))
OB_AMOUNTS = st.from_regex(r"\d{1,13}(\.\d{1,5})?", fullmatch=True)
BG_AMOUNTS = st.from_regex(r"-?[0-9]{1,14}(\.[0-9]{1,3})?", fullmatch=True)
IDS = st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=40)
JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
                    | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=12)


@st.composite
def ob_balance(draw):
    currency = draw(CURRENCIES)
    row = {"AccountId": draw(IDS),
           "CreditDebitIndicator": draw(st.sampled_from(["Credit", "Debit"])),
           "Type": draw(st.sampled_from(sorted(vocabulary.OB_V4) + sorted(vocabulary.OB_V31))),
           "DateTime": draw(MOMENTS).isoformat(),
           "Amount": {"Amount": draw(OB_AMOUNTS), "Currency": currency}}
    if draw(st.booleans()):
        row["CreditLine"] = [{"Included": draw(st.booleans()),
                              "Type": draw(st.sampled_from(ob_mapping.CREDIT_LINE_TYPES)),
                              "Amount": {"Amount": draw(OB_AMOUNTS), "Currency": currency}}]
    return row


@st.composite
def bg_balance(draw):
    row = {"balanceAmount": {"currency": draw(CURRENCIES), "amount": draw(BG_AMOUNTS)},
           "balanceType": draw(st.sampled_from(sorted(vocabulary.BERLIN_GROUP)))}
    if draw(st.booleans()):
        row["creditLimitIncluded"] = draw(st.booleans())
    if draw(st.booleans()):
        row["lastChangeDateTime"] = draw(MOMENTS).isoformat()
    elif draw(st.booleans()):
        row["referenceDate"] = draw(MOMENTS).date().isoformat()
    return row


OB_PAYLOADS = st.lists(ob_balance(), min_size=1, max_size=4).map(
    lambda rows: {"Data": {"Balance": rows}})
BG_PAYLOADS = st.lists(bg_balance(), min_size=0, max_size=4).map(lambda rows: {"balances": rows})


@given(OB_PAYLOADS)
def test_ob_balances_map_and_keep_the_amount(payload):
    for row, balance in zip(payload["Data"]["Balance"], ob_mapping.balances("ob", payload),
                            strict=True):
        sent = Decimal(row["Amount"]["Amount"])
        assert abs(balance.amount.amount) == sent
        assert abs(balance.amount.amount).as_tuple().exponent == sent.as_tuple().exponent
        debit = row["CreditDebitIndicator"] == "Debit" and sent != 0
        assert balance.credit_debit is (CreditDebit.DEBIT if debit else CreditDebit.CREDIT)
        assert str(balance.amount.amount) == ("-" if debit else "") + str(sent)
        assert balance.amount.currency == row["Amount"]["Currency"]
        assert balance.type is vocabulary.from_ob(row["Type"])
        assert balance.as_of.utcoffset() == dt.timedelta(0)
        for line, mapped in zip(row.get("CreditLine", []), balance.credit_lines, strict=True):
            assert mapped.amount.amount == Decimal(line["Amount"]["Amount"])
            assert mapped.included is line["Included"]


@given(BG_PAYLOADS)
def test_bg_balances_map_and_keep_the_amount(payload):
    for row, balance in zip(payload["balances"], bg_mapping.balances("bg", payload, "acc"),
                            strict=True):
        sent = Decimal(row["balanceAmount"]["amount"])
        assert balance.amount.amount == sent
        assert balance.amount.amount.as_tuple().exponent == sent.as_tuple().exponent
        assert balance.amount.amount.is_signed() is (sent < 0)
        assert balance.type is vocabulary.from_berlin_group(row["balanceType"])
        assert balance.credit_line_included is row.get("creditLimitIncluded", False)


def _mutations(payload, draw):
    """The payload with one value somewhere replaced by junk or removed."""
    broken = copy.deepcopy(payload)
    node, trail = broken, []
    while isinstance(node, dict | list) and node and draw(st.integers(0, 3)):
        key = draw(st.sampled_from(list(node) if isinstance(node, dict) else range(len(node))))
        trail.append((node, key))
        node = node[key]
    if not trail:
        return draw(JSON)
    parent, key = trail[-1]
    if isinstance(parent, dict) and draw(st.booleans()):
        del parent[key]
    else:
        parent[key] = draw(JSON)
    return broken


@settings(max_examples=300)
@given(st.data())
def test_ob_malformed_payloads_raise_bad_payload_only(data):
    payload = _mutations(data.draw(OB_PAYLOADS), data.draw)
    for mapper in (lambda p: ob_mapping.balances("ob", p), lambda p: ob_mapping.accounts("ob", p),
                   lambda p: ob_mapping.consent("ob", p)):
        try:
            mapper(payload)
        except BadPayload as exc:
            assert exc.bank_id == "ob" and exc.cause == "bad_payload"


@settings(max_examples=300)
@given(st.data())
def test_bg_malformed_payloads_raise_bad_payload_only(data):
    payload = _mutations(data.draw(BG_PAYLOADS), data.draw)
    for mapper in (lambda p: bg_mapping.balances("bg", p, "a"),
                   lambda p: bg_mapping.accounts("bg", p),
                   lambda p: bg_mapping.consent("bg", p)):
        try:
            mapper(payload)
        except BadPayload as exc:
            assert exc.bank_id == "bg"


@given(JSON)
def test_arbitrary_json_never_escapes(value):
    for mapper in (lambda p: ob_mapping.balances("x", p), lambda p: ob_mapping.accounts("x", p),
                   lambda p: bg_mapping.balances("x", p, "a"),
                   lambda p: bg_mapping.accounts("x", p), lambda p: bg_mapping.consent("x", p)):
        try:
            mapper(value)
        except BadPayload:
            pass


def test_amounts_outside_the_standard_are_refused():
    row = {"AccountId": "a", "CreditDebitIndicator": "Credit", "Type": "ITAV",
           "DateTime": "2026-01-01T00:00:00Z", "Amount": {"Amount": "1.5", "Currency": "GBP"}}
    for amount in ("-1.00", "1e3", "NaN", "1.123456", 1.5, "", " 1"):
        bad = copy.deepcopy(row)
        bad["Amount"]["Amount"] = amount
        try:
            ob_mapping.balances("ob", {"Data": {"Balance": [bad]}})
        except BadPayload:
            continue
        raise AssertionError(f"{amount!r} accepted")
    for currency in ("gbp", "XXX1", "ABC", None):
        bad = copy.deepcopy(row)
        bad["Amount"]["Currency"] = currency
        try:
            ob_mapping.balances("ob", {"Data": {"Balance": [bad]}})
        except BadPayload:
            continue
        raise AssertionError(f"{currency!r} accepted")
