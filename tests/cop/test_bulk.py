"""The fast request validators agree with the documented marshmallow schemas."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st
from marshmallow import ValidationError

from cop import bulk, schemas

UK = {"SchemeName": "SortCodeAccountNumber", "AccountType": "Personal",
      "Identification": "04000412345678", "Name": "John Smith"}
AGENT = {"financialInstitutionId": {"bicfi": "COBADEFFXXX"}}
EU = {"party": {"name": "Jean Dupont"}, "partyAccount": {"iban": "DE89370400440532013000"},
      "partyAgent": AGENT, "requestingAgent": AGENT}


def _with(base, **changes):
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


UK_CASES = [
    UK,
    _with(UK, SecondaryIdentification="ROLL1"),
    _with(UK, SchemeName="UK.OBIE.SortCodeAccountNumber", AccountType="Business"),
    _with(UK, Name=None),
    _with(UK, Name=""),
    _with(UK, Name="x" * 141),
    _with(UK, Identification="0400041234567"),
    _with(UK, Identification="04000412345678x"),
    _with(UK, AccountType="Joint"),
    _with(UK, SchemeName="IBAN"),
    _with(UK, Extra="field"),
    _with(UK, Id="only-in-a-batch"),
    _with(UK, SecondaryIdentification="x" * 19),
    _with(UK, Name=42),
]

EU_CASES = [
    EU,
    _with(EU, party={"identification": {"organisationId": {"lei": "529900T8BM49AURSDO55"}}}),
    _with(EU, party={"name": "A", "identification": {"organisationId": {"others": [
        {"identification": "DE123456789", "schemeName": {"code": "TXID"}, "issuer": "DE"}]}}}),
    _with(EU, party={"identification": {"organisationId": {"others": [
        {"identification": "12345678", "schemeName": {"proprietary": "KVK"}}]}}}),
    _with(EU, party={"identification": {"organisationId": {"anyBIC": "COBADEFF"}}}),
    # the retired non-standard shape, and other members the EPC API does not define
    _with(EU, party={"organisationId": {"lei": "529900T8BM49AURSDO55"}}),
    _with(EU, party={"name": "A", "nickname": "B"}),
    _with(EU, partyAccount={"iban": "DE89370400440532013000", "currency": "EUR"}),
    _with(EU, partyAgent={"financialInstitutionId": {"bicfi": "COBADEFFXXX", "name": "X"}}),
    _with(EU, requestingAgent={**AGENT, "clearingSystemMemberId": "1"}),
    _with(EU, purpose="SALA"),
    _with(EU, id="not-in-a-single-request"),
    _with(EU, party={"identification": {"organisationId": {"lei": "529900T8BM49AURSDO56"}}}),
    _with(EU, party={"identification": {"organisationId": {}}}),
    _with(EU, party={"identification": {"privateId": {}}}),
    _with(EU, party={"identification": {"organisationId": {"others": [
        {"identification": "X", "schemeName": {"code": "TXID", "proprietary": "VAT"}}]}}}),
    _with(EU, party={"identification": {"organisationId": {"others": [
        {"identification": "X", "schemeName": {"code": "VAT"}}]}}}),
    _with(EU, party={"identification": {"organisationId": {"others": [
        {"identification": "X", "schemeName": {"code": "TXID"}, "issuer": "x" * 36}]}}}),
    _with(EU, party={"identification": {"organisationId": {"others": []}}}),
    _with(EU, party={}),
    _with(EU, party=None),
    _with(EU, partyAccount={"iban": "DE00370400440532013000"}),
    _with(EU, partyAccount={}),
    _with(EU, partyAgent={"financialInstitutionId": {"bicfi": "nope"}}),
    _with(EU, requestingAgent=None),
    _with(EU, party={"identification": {"organisationId": {"lei": "short"}}}),
    _with(EU, unstructuredRemittanceInformation=["one", "two"]),
    _with(EU, unstructuredRemittanceInformation=["invoice 42"]),
    _with(EU, party={"name": "x" * 141}),
]


@pytest.mark.parametrize("item", UK_CASES)
def test_uk_validator_agrees_with_schema(item):
    try:
        schemas.OBNameVerificationData().load(item)
        schema_ok = True
    except ValidationError:
        schema_ok = False
    check, errors = bulk.uk_item(item)
    assert (not errors) == schema_ok, errors
    assert (check is not None) == schema_ok



@pytest.mark.parametrize("item", [*UK_CASES, _with(UK, Id="item-1"), _with(UK, Id=""),
                                  _with(UK, Id="x" * 41), _with(UK, Id=7),
                                  _with(UK, SecondaryIdentification=""),
                                  _with(UK, SchemeName=["SortCodeAccountNumber"])])
@pytest.mark.parametrize("in_bulk", [False, True])
def test_the_quick_path_gives_the_full_validations_check_or_leaves_it_to_it(
        item, in_bulk, monkeypatch):
    quick = bulk._valid_uk_item(item, in_bulk)
    monkeypatch.setattr(bulk, "_valid_uk_item", lambda *_: None)
    full, errors = bulk.uk_item(item, bulk=in_bulk)
    assert quick == full  # the same check, or None where the full validation names errors
    assert (full is None) == bool(errors)


@pytest.mark.parametrize("item", EU_CASES)
def test_eu_validator_agrees_with_schema(item):
    try:
        schemas.VopRequest().load(item)
        schema_ok = True
    except ValidationError:
        schema_ok = False
    check, errors = bulk.eu_item(item)
    assert (not errors) == schema_ok, errors
    assert (check is not None) == schema_ok


def test_item_errors_are_reported_by_position():
    checks, problems = bulk.batch_items([UK, _with(UK, Name=None), UK], "UK")
    assert len(checks) == 2
    assert problems == {1: {"Name": ["Missing data for required field."]}}


member_names = st.text(min_size=1, max_size=20)


@given(member_names, st.sampled_from(["", "party", "partyAccount", "partyAgent",
                                      "partyAgent.financialInstitutionId"]))
def test_any_member_the_epc_api_does_not_define_is_refused(name, where):
    item = copy.deepcopy({**EU, "party": {"name": "Jean Dupont"}})
    target = item
    for part in filter(None, where.split(".")):
        target = target[part]
    if name in target:
        return
    target[name] = "x"
    check, errors = bulk.eu_item(item)
    assert check is None
    for part in filter(None, where.split(".")):
        errors = errors[part]
    assert errors[name] == ["Unknown field."]


@given(member_names)
def test_any_member_the_cop_api_does_not_define_is_refused(name):
    if name in bulk.UK_FIELDS:
        return
    check, errors = bulk.uk_item({**UK, name: "x"})
    assert check is None
    assert errors == {name: ["Unknown field."]}
