"""Demo directory for `make run`: three participating banks and accounts with names from
the communities the service pays into, including each case that stops a check (opted out,
closed, switched, secondary reference)."""

from __future__ import annotations

from auth import registry
from cop import directory, participants, records
from core.db import unit_of_work
from core.iban import iban

UK_BANK = ("Demo Participant Bank", "DEMOGB2LXXX", [("040004", "040099")])
DE_BANK = ("Beispielbank", "BSPLDEFFXXX", [])
ES_BANK = ("Banco Ejemplo", "BEJMESMMXXX", [])
# the BIC the demo payment app sends as EU VoP requestingAgent
DEMO_REQUESTING_PSP = "BNPAFRPPXXX"

# (sort code, account number, type, holders, trading names, flags)
UK_ACCOUNTS = [
    ("040004", "12345678", "personal", ["John Andrew Smith"], [], {}),
    ("040004", "23456789", "personal", ["Sean Murphy", "Aoife Murphy"], [], {}),
    ("040004", "34567890", "personal", ["Mohammed Abdul Karim"], [], {}),
    ("040004", "45678901", "personal", ["Oluwaseun Adebayo Okonkwo"], [], {}),
    ("040004", "56789012", "personal", ["Nguyễn Thị Mai"], [], {}),
    ("040004", "67890123", "personal", ["Katarzyna Nowak"], [], {}),
    ("040004", "78901234", "business", ["Oakfield Dental Ltd"], ["Oakfield Smiles"], {}),
    ("040004", "89012345", "business", ["Priya Patel t/a Patel Pharmacy"], [], {}),
    ("040004", "90123456", "personal", ["Elizabeth Turner"], [], {"opted_out": True}),
    ("040004", "11223344", "personal", ["Gareth Evans"], [], {"closed": True}),
    ("040004", "22334455", "personal", ["Rhys Hughes"], [], {"switched": True}),
    ("040004", "33445566", "personal", ["Margaret Thornton"], [],
     {"secondary_reference": "ROLL123456"}),
]
# (country, bank code, account, type, holders, trading names, organisation ids); the LEIs
# are made up, with valid ISO 17442 check digits
EU_ACCOUNTS = [
    ("DE", "37040044", "0532013000", "personal", ["Jürgen Müller"], [], {}),
    ("DE", "37040044", "0532013001", "business", ["Bäckerei Schulz GmbH"], ["Schulz Backstube"],
     {"LEI": "529900HNOAA1KXQJUQ27", "TXID": "DE123456789", "PRTRY/HRB": "HRB 98765"}),
    ("DE", "37040044", "0532013002", "personal", ["Ольга Иванова"], [], {}),
    ("ES", "21000418", "450200051332", "personal", ["Ana María García López"], [], {}),
    ("ES", "21000418", "450200051333", "business", ["Construcciones García S.L."], [],
     {"LEI": "959800L8KJ5YX4NQ1209", "TXID": "ESB12345678"}),
]


# The OpenAPI document's example bodies: calls on the demo directory, so the portal's "Try it
# out" gets a real answer (a close match that names the held name).
UK_EXAMPLE = {"Data": {"SchemeName": "SortCodeAccountNumber", "AccountType": "Personal",
                       "Identification": UK_ACCOUNTS[0][0] + UK_ACCOUNTS[0][1],
                       "Name": "J Smith"}}
EU_EXAMPLE = {"party": {"name": "Jurgen Muler"},
              "partyAccount": {"iban": iban("DE", EU_ACCOUNTS[0][1] + EU_ACCOUNTS[0][2])},
              "partyAgent": {"financialInstitutionId": {"bicfi": DE_BANK[1]}},
              "requestingAgent": {"financialInstitutionId": {"bicfi": DEMO_REQUESTING_PSP}}}
EXAMPLE_REQUEST_ID = "7d3c9a2e-5b1f-4e8a-9c6d-2f0b8e4a1c35"
EXAMPLE_TIMESTAMP = "2026-12-01T09:30:00.000Z"


def seed_directory(app, session) -> list[str]:
    """Seed the demo directory when it is empty; say what to try."""
    lines = _register_demo_requesting_psp(session)
    if not directory.directory_is_empty(session):
        return [*lines, "payee directory already has banks; left as it is"]
    owner = _demo_owner(session)
    for name, bic, ranges in (UK_BANK, DE_BANK, ES_BANK):
        directory.register_bank(session, name=name, bic=bic, owner_client_id=owner,
                                sort_code_ranges=ranges)
    rows = []
    for sort_code, number, kind, holders, trading, flags in UK_ACCOUNTS:
        rows.append({"sort_code": sort_code, "account_number": number, "holder_type": kind,
                     "holder_names": holders, "trading_names": trading, **flags})
    for country, bank, account, kind, holders, trading, ids in EU_ACCOUNTS:
        bic = DE_BANK[1] if country == "DE" else ES_BANK[1]
        rows.append({"iban": iban(country, bank + account), "bic": bic,
                     "holder_type": kind, "holder_names": holders, "trading_names": trading,
                     "organisation_ids": ids})
    for bic in (UK_BANK[1], DE_BANK[1], ES_BANK[1]):
        mine = [(i, records.parse_account(r)) for i, r in enumerate(rows)
                if r.get("bic", UK_BANK[1]) == bic]
        directory.upsert_accounts(session, None, mine, bank_bic=bic)
    example_iban = iban("DE", EU_ACCOUNTS[0][1] + EU_ACCOUNTS[0][2])
    business_iban = iban("DE", EU_ACCOUNTS[1][1] + EU_ACCOUNTS[1][2])
    return [
        *lines,
        f"{len(rows)} directory accounts at 3 banks (owner client: {owner or 'none'})",
        "UK CoP: Identification 04000412345678, try Name 'John Smith' (match), "
        "'J Smith' (close), 'Andrew Smith' (no match)",
        f"EU VoP: IBAN {example_iban}, try party.name 'Juergen Mueller' (MTCH) or "
        "'Jurgen Muler' (CMTC)",
        f"EU VoP by organisation id: IBAN {business_iban}, party.identification."
        f"organisationId.lei {EU_ACCOUNTS[1][6]['LEI']} (partyIdMatch MTCH)",
    ]


def _register_demo_requesting_psp(session) -> list[str]:
    """The demo COP client (re-registered under a new id when its key changes) gets the
    demo requesting-PSP BIC, so the README's EU VoP call is accepted."""
    client_id = _demo_client_with(session, "COP")
    if client_id is None:
        return []
    participants.register(session, DEMO_REQUESTING_PSP, client_id, replace=True)
    return [f"EU VoP requestingAgent {DEMO_REQUESTING_PSP} registered to client {client_id}"]


def _demo_owner(session) -> str | None:
    """The demo ASPSP client, when the authorisation server seeded one."""
    return _demo_client_with(session, "ASPSP")


def _demo_client_with(session, role: str) -> str | None:
    with unit_of_work(session):
        for client in registry.list_clients(session):
            if role in (client.roles or []):
                return client.client_id
    return None
