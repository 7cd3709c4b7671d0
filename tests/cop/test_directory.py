"""Directory maintenance: validation, upsert, ownership, delete."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from cop import directory
from cop.errors import AccountNotFound, NotBankOwner
from cop.models import DirectoryAccount

from .conftest import DE_IBAN


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
    with pytest.raises(directory.RowError, match=reason):
        directory.parse_account(raw(**fields))


def test_parse_account_reads_csv_style_values():
    account = directory.parse_account(raw(holder_names="Ann Lee|Bo Chan", opted_out="yes",
                                          organisation_ids="LEI:529900T8BM49AURSDO55"))
    assert account.holder_names == ("Ann Lee", "Bo Chan")
    assert account.opted_out is True
    assert account.organisation_ids == {"LEI": "529900T8BM49AURSDO55"}


def test_upsert_creates_then_updates(seeded, bank_owner):
    summary = directory.upsert_from_api(seeded, bank_owner, [raw(), raw(account_number="bad")])
    assert (summary.created, summary.updated) == (1, 0)
    assert summary.rejected == [(1, "account_number must be 8 digits")]
    summary = directory.upsert_from_api(seeded, bank_owner, [raw(holder_names=["Ann Chan"])])
    assert (summary.created, summary.updated) == (0, 1)
    stored = seeded.scalars(select(DirectoryAccount).where(
        DirectoryAccount.account_number == "11112222")).one()
    assert stored.holder_names == ["Ann Chan"]
    seeded.rollback()


def test_upsert_refuses_accounts_outside_the_clients_banks(seeded, bank_owner):
    summary = directory.upsert_from_api(seeded, bank_owner, [raw(sort_code="200000")])
    assert summary.rejected == [(0, "sort_code is not in a range of a bank this client "
                                    "maintains")]


def test_client_without_bank_is_forbidden(seeded):
    with pytest.raises(NotBankOwner):
        directory.upsert_from_api(seeded, "someone-else", [raw()])


def test_delete_by_scan_and_iban(seeded, bank_owner):
    directory.delete_account(seeded, bank_owner, "04000412345678")
    directory.delete_account(seeded, bank_owner, DE_IBAN.lower())
    with pytest.raises(AccountNotFound):
        directory.delete_account(seeded, bank_owner, "04000412345678")


def test_delete_refuses_another_banks_account(seeded):
    directory.register_bank(seeded, name="Other", bic="OTHRGB2LXXX", owner_client_id="other")
    with pytest.raises(AccountNotFound):
        directory.delete_account(seeded, "other", "04000412345678")


columns = st.lists(st.sampled_from(directory.IMPORT_COLUMNS), min_size=1, unique=True)


@given(columns)
def test_property_sniffing_tells_a_header_from_a_json_line(names):
    assert directory.sniff_format(",".join(names)) == "csv"
    assert directory.sniff_format(json.dumps(dict.fromkeys(names, "x"))) == "jsonl"


@given(columns)
def test_property_a_header_is_refused_exactly_when_required_columns_are_missing(names):
    have = set(names)
    complete = {"holder_type", "holder_names"} <= have and (
        "iban" in have or {"sort_code", "account_number"} <= have)
    problem = directory.csv_header_problem(names)
    assert (problem is None) == complete
    if problem:
        for column in ("holder_type", "holder_names"):
            assert (column in problem) == (column not in have)
