"""Directory maintenance: upsert, ownership, delete."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cop import directory
from cop.errors import AccountNotFound, NotBankOwner
from cop.models import DirectoryAccount

from .conftest import DE_IBAN
from .test_records import raw


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
