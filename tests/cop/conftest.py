"""A seeded directory for service, API and CLI tests."""

from __future__ import annotations

import pytest

from cop import directory
from core.iban import iban

UK_BIC = "TESTGB2LXXX"
EU_BIC = "TESTDEFFXXX"
DE_IBAN = iban("DE", "370400440532013000")
DE_BUSINESS_IBAN = iban("DE", "370400440532013001")


def account(**fields):
    return directory.parse_account(fields)


@pytest.fixture
def bank_owner():
    return "aspsp-client-1"


@pytest.fixture
def seeded(app, session, bank_owner):
    """Two banks owned by `bank_owner`, and accounts covering every directory outcome."""
    directory.register_bank(session, name="Test Bank", bic=UK_BIC, owner_client_id=bank_owner,
                            sort_code_ranges=[("040004", "040099")])
    directory.register_bank(session, name="Testbank DE", bic=EU_BIC,
                            owner_client_id=bank_owner)
    uk = [
        account(sort_code="040004", account_number="12345678", holder_type="personal",
                holder_names=["John Andrew Smith"]),
        account(sort_code="040004", account_number="23456789", holder_type="personal",
                holder_names=["Sean Murphy", "Aoife Murphy"]),
        account(sort_code="040004", account_number="34567890", holder_type="business",
                holder_names=["Oakfield Dental Ltd"], trading_names=["Oakfield Smiles"]),
        account(sort_code="040004", account_number="45678901", holder_type="personal",
                holder_names=["Elizabeth Turner"], opted_out=True),
        account(sort_code="040004", account_number="56789012", holder_type="personal",
                holder_names=["Gareth Evans"], closed=True),
        account(sort_code="040004", account_number="67890123", holder_type="personal",
                holder_names=["Rhys Hughes"], switched=True),
        account(sort_code="040004", account_number="78901234", holder_type="personal",
                holder_names=["Margaret Thornton"], secondary_reference="ROLL123456"),
        account(sort_code="040004", account_number="89012345", holder_type="personal",
                holder_names=["Amy Price"], supports_checks=False),
    ]
    eu = [
        account(iban=DE_IBAN, holder_type="personal", holder_names=["Jürgen Müller"]),
        account(iban=DE_BUSINESS_IBAN, holder_type="business",
                holder_names=["Bäckerei Schulz GmbH"],
                organisation_ids={"LEI": "529900T8BM49AURSDO55", "TXID": "DE123456789",
                                  "PRTRY/HRB": "HRB 12345"}),
    ]
    directory.upsert_accounts(session, None, list(enumerate(uk)), bank_bic=UK_BIC)
    directory.upsert_accounts(session, None, list(enumerate(eu)), bank_bic=EU_BIC)
    return session
