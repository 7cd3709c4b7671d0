"""Nothing secret or personal in clear in any log line or answer of a full run.

One test drives what a day looks like — a TPP gets tokens, creates a consent, a PSU signs in
(once with a wrong password) and approves, the TPP reads, refreshes, revokes, a payee check
runs — with DEBUG logs on, then scans every captured log line (stdout, stderr, logging records)
for tokens, JWTs, passwords, account numbers and names, and every answer except the token
endpoint's own for tokens and passwords.
"""

from __future__ import annotations

import re

import pytest

from tests.fixtures.auth import PSU_PASSWORD
from tests.hardening.flows import CONSENTS, authorised_consent, install_bank

WRONG_PASSWORD = "Wr0ng-but-still-secret-9431"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}")
SORT_CODE, ACCOUNT_NUMBER, HOLDER = "040004", "12345678", "Philippa Quennell-Ashworth"


@pytest.fixture
def app_settings():
    return {"LOG_LEVEL": "DEBUG"}


@pytest.fixture
def answers(app):
    seen: list[tuple[str, str]] = []

    @app.after_request
    def keep(response):
        from flask import request

        if not response.direct_passthrough:
            seen.append((request.path, response.get_data(as_text=True) + str(response.headers)))
        return response

    return seen


def payee_check(app, make_tpp) -> list[str]:
    """A CoP check against a seeded holder, when the cop package is there."""
    directory = pytest.importorskip("cop.directory")
    with app.extensions["session_factory"]() as session:
        directory.register_bank(session, name="Scan Bank", bic="SCANGB2LXXX",
                                owner_client_id="aspsp-x",
                                sort_code_ranges=[(SORT_CODE, SORT_CODE)])
        account = directory.parse_account({
            "sort_code": SORT_CODE, "account_number": ACCOUNT_NUMBER,
            "holder_type": "personal", "holder_names": [HOLDER]})
        directory.upsert_accounts(session, None, [(0, account)], bank_bic="SCANGB2LXXX")
    tpp = make_tpp(roles=("COP",), name="Payments TPP")
    answer = tpp.request("POST", "/cop/v1/name-verifications", scope="payee-checks", json={
        "Data": {"SchemeName": "SortCodeAccountNumber", "AccountType": "Personal",
                 "Identification": SORT_CODE + ACCOUNT_NUMBER, "Name": HOLDER}})
    assert answer.status_code == 200, answer.get_json()
    return [tpp.token("payee-checks")]


def test_full_run_leaks_nothing(app, make_tpp, make_psu, answers, capsys, caplog):
    caplog.set_level("DEBUG")
    install_bank(app)
    make_psu("alice", name=HOLDER)
    tpp = make_tpp(roles=("AISP",), name="Budget Buddy")
    refused = tpp.client.post("/psu/sign-in", data={"username": "alice",
                                                    "password": WRONG_PASSWORD})
    assert refused.status_code in (200, 400, 401, 403)
    granted = authorised_consent(tpp, "alice")
    assert tpp.request("GET", f"{CONSENTS}/{granted.consent_id}",
                       token=granted.psu_token).status_code == 200
    refreshed = tpp.refresh(granted.refresh_token).get_json()
    client_token = tpp.token("accounts")
    assert tpp.introspect(granted.psu_token)["active"] is True
    assert tpp.request("DELETE", f"{CONSENTS}/{granted.consent_id}",
                       scope="accounts").status_code == 204
    tokens = [granted.psu_token, granted.refresh_token, refreshed["access_token"], client_token,
              *payee_check(app, make_tpp)]

    out = capsys.readouterr()
    logs = "\n".join([out.out, out.err, caplog.text,
                      *(str(r.__dict__) for r in caplog.records)])
    assert logs.strip(), "the run logged nothing: the scan would prove nothing"
    secrets = {"token": tokens, "password": [PSU_PASSWORD, WRONG_PASSWORD],
               "account number": [ACCOUNT_NUMBER, SORT_CODE + ACCOUNT_NUMBER],
               "name": [HOLDER]}
    for kind, values in secrets.items():
        for value in values:
            assert value and value not in logs, f"{kind} in clear in the logs"
    assert not JWT.search(logs), f"a JWT in the logs: {JWT.search(logs).group(0)[:40]}…"

    for path, text in answers:
        if path == "/token":
            continue
        for value in [*tokens, PSU_PASSWORD, WRONG_PASSWORD]:
            assert value not in text, f"secret echoed in the answer of {path}"
