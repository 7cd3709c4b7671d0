"""Account records: validation of a row or an API account, and import-file headers."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop import records


def raw(**fields):
    base = {"sort_code": "040004", "account_number": "11112222", "holder_type": "personal",
            "holder_names": ["Ann Lee"]}
    return {**base, **fields}


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"sort_code": "0400"}, "sort_code must be 6 digits"),
        ({"account_number": None}, "sort_code and account_number go together"),
        ({"holder_type": "corporate"}, "holder_type must be personal or business"),
        ({"holder_names": []}, "holder_names needs at least one name"),
        ({"iban": "DE00370400440532013000"}, "iban: the IBAN check digits are wrong"),
        ({"opted_out": "perhaps"}, "opted_out must be true or false"),
        ({"sort_code": None, "account_number": None}, "an account needs sort_code"),
    ],
)
def test_parse_account_refuses_with_a_reason(fields, reason):
    with pytest.raises(records.RowError, match=reason):
        records.parse_account(raw(**fields))


def test_parse_account_reads_csv_style_values():
    account = records.parse_account(raw(holder_names="Ann Lee|Bo Chan", opted_out="yes",
                                          organisation_ids="LEI:529900T8BM49AURSDO55"))
    assert account.holder_names == ("Ann Lee", "Bo Chan")
    assert account.opted_out is True
    assert account.organisation_ids == {"LEI": "529900T8BM49AURSDO55"}


columns = st.lists(st.sampled_from(records.IMPORT_COLUMNS), min_size=1, unique=True)


@given(columns)
def test_property_sniffing_tells_a_header_from_a_json_line(names):
    assert records.sniff_format(",".join(names)) == "csv"
    assert records.sniff_format(json.dumps(dict.fromkeys(names, "x"))) == "jsonl"


@given(columns)
def test_property_a_header_is_refused_exactly_when_required_columns_are_missing(names):
    have = set(names)
    complete = {"holder_type", "holder_names"} <= have and (
        "iban" in have or {"sort_code", "account_number"} <= have)
    problem = records.csv_header_problem(names)
    assert (problem is None) == complete
    if problem:
        for column in ("holder_type", "holder_names"):
            assert (column in problem) == (column not in have)
