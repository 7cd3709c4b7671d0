"""A consent a PSU authorised, end to end through the real pages, for the hardening suites.

The security matrix needs a PSU token bound to one consent (to try it on another, and after a
revoke); the fault suite races reads with that token against the revoke. The bank is a fake
gateway (tests/consent/fake_banks.py) so no sandbox has to run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from tests.consent import fake_banks
from tests.fixtures.auth import PSU_PASSWORD, TestTpp

CONSENTS = "/open-banking/v4.0/aisp/account-access-consents"


def consent_body() -> dict:
    return {"Data": {"Permissions": ["ReadAccountsBasic", "ReadBalances"],
                     "ExpirationDateTime": "2099-01-01T00:00:00+00:00"}, "Risk": {}}


def install_bank(app) -> None:
    fake_banks.install(app.extensions["consent"], fake_banks.FakeBank("alpha", "Alpha Bank"))


def _approve(client, resp):
    if resp.status_code == 303 and "/consent/authorise/" in resp.location:
        return client.get(resp.location)
    html = resp.get_data(as_text=True)
    connect = re.search(r'action="(/consent/authorise/[^"]+/banks/alpha)"', html)
    if connect:
        started = client.post(connect.group(1))
        state = fake_banks.state_of(started.location)
        back = client.get(f"/consent/callback/alpha?code=ok&state={state}")
        html = client.get(back.location).get_data(as_text=True)
    decision = re.search(r'action="(/consent/authorise/[^"]+/decision)"', html).group(1)
    return client.post(decision, data={"action": "approve"})


@dataclass
class AuthorisedConsent:
    tpp: TestTpp
    consent_id: str
    psu_token: str
    refresh_token: str | None


def authorised_consent(tpp: TestTpp, psu_username: str) -> AuthorisedConsent:
    """Create a consent as `tpp`, have `psu_username` approve it at one bank; the PSU token."""
    created = tpp.request("POST", CONSENTS, scope="accounts", json=consent_body())
    assert created.status_code == 201, created.get_json()
    consent_id = created.get_json()["Data"]["ConsentId"]
    rar = {"authorization_details": json.dumps(
        [{"type": "account_access_consent", "consent_id": consent_id}])}
    tokens = tpp.authorize(psu_username, PSU_PASSWORD, "accounts", rar, drive=_approve)
    return AuthorisedConsent(tpp, consent_id, tokens["access_token"],
                             tokens.get("refresh_token"))
