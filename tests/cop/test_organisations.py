"""Organisation identifiers of EU VoP requests: LEI, BIC, ISO codes and proprietary schemes."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop import organisations
from cop.organisations import lei_check_digits, lei_problem, parse_organisation_id

ALNUM = string.ascii_uppercase + string.digits
lei_bases = st.text(ALNUM, min_size=18, max_size=18)


@given(lei_bases)
def test_an_lei_with_its_check_digits_is_valid(base):
    assert lei_problem(base + lei_check_digits(base)) is None


@given(lei_bases, st.integers(0, 99))
def test_any_other_check_digits_are_refused(base, digits):
    check = f"{digits:02d}"
    if check != lei_check_digits(base):
        assert "check digits" in lei_problem(base + check)


@given(st.text(string.digits, min_size=18, max_size=18), st.integers(0, 19),
       st.sampled_from(string.digits))
def test_one_changed_digit_is_caught(base, position, char):
    """ISO 7064 MOD 97-10 catches every single substitution among digits (a letter stands for
    two digits, so letter-for-digit swaps are not guaranteed to be caught)."""
    lei = base + lei_check_digits(base)
    changed = lei[:position] + char + lei[position + 1:]
    if changed != lei:
        assert lei_problem(changed) is not None


@given(st.text(max_size=25))
def test_lei_problem_never_raises(value):
    problem = lei_problem(value)
    assert problem is None or isinstance(problem, str)


@pytest.mark.parametrize("lei", ["529900T8BM49AURSDO55", "5493001KJTIIGC8Y1R12"])
def test_published_leis_are_valid(lei):
    assert lei_problem(lei) is None


@pytest.mark.parametrize("value", ["529900t8bm49aursdo55", "529900T8BM49AURSDO5", "X" * 20,
                                   "529900T8BM49AURSDO56", 529900])
def test_malformed_leis_are_refused(value):
    assert lei_problem(value)


@given(st.text(string.digits, min_size=8, max_size=13))
def test_luhn_accepts_exactly_one_check_digit(body):
    valid = [d for d in string.digits if organisations.luhn_ok(body + d)]
    assert len(valid) == 1


def test_siren_and_siret_formats():
    ok = {"identification": "732 829 320", "schemeName": {"code": "SREN"}}
    assert parse_organisation_id({"others": [ok]}) == ({"SREN": "732 829 320"}, {})
    bad = {"identification": "732829321", "schemeName": {"code": "SREN"}}
    _, errors = parse_organisation_id({"others": [bad]})
    assert "Luhn" in errors["others"][0]["identification"][0]
    _, errors = parse_organisation_id({"others": [{**bad, "schemeName": {"code": "SRET"}}]})
    assert "14 digits" in errors["others"][0]["identification"][0]


def test_every_identifier_is_keyed_as_the_directory_stores_it():
    ids, errors = parse_organisation_id({
        "lei": "529900T8BM49AURSDO55", "anyBIC": "COBADEFF",
        "others": [{"identification": "DE 123 456 789", "schemeName": {"code": "TXID"},
                    "issuer": "DE"},
                   {"identification": "12345678", "schemeName": {"proprietary": "kvk"}}]})
    assert errors == {}
    assert ids == {"LEI": "529900T8BM49AURSDO55", "BIC": "COBADEFF",
                   "TXID": "DE 123 456 789", "PRTRY/KVK": "12345678"}


@pytest.mark.parametrize(("raw", "where"), [
    ({}, "_schema"),
    ({"lei": "529900T8BM49AURSDO55", "vat": "x"}, "vat"),
    ({"anyBIC": "nope"}, "anyBIC"),
    ({"others": {}}, "others"),
    ({"others": [{"identification": "1", "schemeName": {}}]}, "others"),
    ({"others": [{"identification": "1", "schemeName": {"code": "TXID"}, "extra": 1}]}, "others"),
    ({"others": [{"identification": "", "schemeName": {"code": "TXID"}}]}, "others"),
    ({"others": [{"identification": "1", "schemeName": {"proprietary": "x" * 36}}]}, "others"),
])
def test_refusals_name_the_member(raw, where):
    ids, errors = parse_organisation_id(raw)
    assert ids == {}
    assert where in errors


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=40),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.sampled_from(["lei", "anyBIC", "others", "identification",
                                                       "schemeName", "code", "proprietary",
                                                       "issuer", "x"]), inner, max_size=4),
                    max_leaves=12))
def test_parser_answers_ids_or_errors_for_any_input(raw):
    ids, errors = parse_organisation_id(raw)
    assert bool(ids) != bool(errors)
    for key, value in ids.items():
        assert organisations.stored_problem(key, value) is None


@pytest.mark.parametrize(("scheme", "value", "ok"), [
    ("LEI", "529900T8BM49AURSDO55", True), ("LEI", "529900T8BM49AURSDO56", False),
    ("BIC", "cobadeffxxx", True), ("BIC", "COBA", False), ("TXID", "DE123456789", True),
    ("PRTRY/KVK", "12345678", True), ("VAT", "DE1", False), ("SREN", "732829320", True),
])
def test_directory_entries_are_checked_on_import(scheme, value, ok):
    assert (organisations.stored_problem(scheme, value) is None) == ok


def test_identifiers_compare_without_separators_and_bic8_is_its_head_office():
    assert organisations.comparable("TXID", "de 123.456-789") == "DE123456789"
    assert organisations.comparable("BIC", "cobadeff") == "COBADEFFXXX"
