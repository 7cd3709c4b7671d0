"""Two PSUs with real data, made over HTTP against the sandbox banks: each authorises a consent
at one bank for the demo TPP, which then reads balances (filling the cache and the access log).
What an access request and an erasure must find, and must not mix up."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from auth.models import PsuAccount
from tests.consent.live import PSU_PASSWORD, Browser, load_example
from tests.consent.test_live_banks import AIS, DECISION, connect, create_consent


@dataclass
class Granted:
    psu_id: str
    username: str
    display_name: str
    consent_id: str
    access_token: str
    browser: Browser


def grant(app, base: str, client: dict, tpp, username: str, bank_id: str,
          permissions: tuple[str, ...] = ("ReadAccountsDetail", "ReadBalances")) -> Granted:
    cc, consent_id = create_consent(tpp, permissions)
    details = json.dumps([{"type": "account_access_consent", "consent_id": consent_id}])
    request_uri, verifier, state = tpp.push("accounts", {"authorization_details": details})
    browser = Browser(base)
    browser.get(tpp.authorize_url(request_uri))
    screen = browser.then(browser.post("/authorize", {
        "action": "sign_in", "request_uri": request_uri, "username": username,
        "password": PSU_PASSWORD}))
    screen = connect(browser, screen, base, bank_id, username=username)
    back = browser.post(browser.action(screen, DECISION), {"action": "approve"})
    tokens = tpp.exchange(back.headers["location"], verifier, state)
    balances = tpp.call(f"{AIS}/balances", tokens["access_token"])
    assert balances.status_code == 200, balances.text
    with app.extensions["session_factory"]() as session:
        account = session.scalars(select(PsuAccount).where(
            PsuAccount.username == username)).one()
        psu_id, name = account.id, account.display_name
    return Granted(psu_id, username, name, consent_id, tokens["access_token"], browser)


def two_psus(app, base: str, client: dict, permissions: tuple[str, ...] = (
        "ReadAccountsDetail", "ReadBalances")):
    tpp = load_example().Tpp(base, client, out=lambda *_: None)
    tpp.discover()
    alice = grant(app, base, client, tpp, "alice", "northgate", permissions)
    bob = grant(app, base, client, tpp, "bob", "rheinfeld", permissions)
    return tpp, alice, bob


def sign_in_dashboard(person: Granted):
    return person.browser.then(person.browser.post("/psu/sign-in", {
        "username": person.username, "password": PSU_PASSWORD}))
