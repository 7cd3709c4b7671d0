"""Each connector against its sandbox bank over real HTTP: consent, PSU authorisation, code
exchange, refresh, accounts, balances, delete. Every bank answer seen on the wire is checked
against the specification's shapes (spec_schemas.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest

from aggregation.connectors.base import BankAccess, BankConnector, ConsentRequest, ConsentStatus
from aggregation.connectors.errors import (
    BankRejected,
    BankUnauthorised,
    ConsentGone,
    RateLimited,
    TokenExpired,
)
from aggregation.domain import BalanceType, CreditDebit, Money
from aggregation.psu_browser import authorise
from tests.aggregation import spec_schemas as spec
from tests.aggregation import spec_transactions
from tests.aggregation.live import PSU_IP, REDIRECT_URI, moved_clock, take_through_consent

BANKS = ["northgate", "thamesmoor", "rheinfeld"]
SHAPES = [  # (method, path pattern, status) -> schema
    ("POST", r"/account-access-consents$", 201, spec.OB_CONSENT),
    ("GET", r"/open-banking/v4.0/aisp/account-access-consents/[^/]+$", 200, spec.OB_CONSENT),
    ("GET", r"/aisp/accounts$", 200, spec.OB_ACCOUNTS),
    ("GET", r"/aisp/accounts/[^/]+/balances$", 200, spec.OB_BALANCES),
    ("POST", r"/v1/consents$", 201, spec.BG_CONSENT_CREATED),
    ("GET", r"/v1/consents/[^/]+$", 200, spec.BG_CONSENT),
    ("GET", r"/v1/accounts$", 200, spec.BG_ACCOUNTS),
    ("GET", r"/v1/accounts/[^/]+/balances$", 200, spec.BG_BALANCES),
    ("GET", r"/aisp/accounts/[^/]+/transactions$", 200, "OBReadTransaction6"),
    ("GET", r"/v1/accounts/[^/]+/transactions$", 200, "transactionsResponse-200_json"),
    (None, r"/open-banking/", 400, spec.OB_ERROR),
    (None, r"/open-banking/", 403, spec.OB_ERROR),
    (None, r"/v1/", 400, spec.BG_ERROR),
    (None, r"/v1/", 401, spec.BG_ERROR),
    (None, r"/v1/", 403, spec.BG_ERROR),
    (None, r"/v1/", 429, spec.BG_ERROR),
]


@pytest.fixture
def wire(sandbox):
    """Every response the connectors receive, checked against the spec shapes."""
    seen = []

    def record(response):
        response.read()
        seen.append(response)

    clients = list(sandbox.registry._clients.values()) or []
    for bank in BANKS:
        sandbox.connector(bank)  # builds the shared client
    clients = list(sandbox.registry._clients.values())
    for client in clients:
        client.event_hooks["response"].append(record)
    yield seen
    for client in clients:
        client.event_hooks["response"].remove(record)
    checked = 0
    for response in seen:
        for method, pattern, status, schema in SHAPES:
            if (method in (None, response.request.method) and response.status_code == status
                    and re.search(pattern, response.request.url.path)):
                body = json.loads(response.content)
                if isinstance(schema, str):  # an official schema by name
                    spec_transactions.assert_valid(body, schema)
                else:
                    spec.assert_valid(body, schema)
                checked += 1
    assert checked or not seen


@pytest.mark.parametrize("bank_id", BANKS)
def test_consent_authorise_read_refresh_delete(sandbox, wire, bank_id):
    connector: BankConnector = sandbox.connector(bank_id)
    assert isinstance(connector, BankConnector)
    consent = connector.create_consent(ConsentRequest(psu_ip=PSU_IP))
    assert consent.status is ConsentStatus.AWAITING_AUTHORISATION
    redirect = connector.authorisation_redirect(consent.consent_id, redirect_uri=REDIRECT_URI,
                                                state="s-1")
    assert "code_challenge_method=S256" in redirect.url and "state=s-1" in redirect.url
    answer = authorise(redirect.url, "alice")
    assert answer["iss"].endswith(f"/sandbox/{bank_id}")
    tokens = connector.exchange_code(answer["code"], redirect_uri=REDIRECT_URI,
                                     code_verifier=redirect.code_verifier)
    assert tokens.refresh_token and tokens.expires_at > dt.datetime.now(dt.UTC)
    assert connector.get_consent(consent.consent_id).status is ConsentStatus.AUTHORISED

    refreshed = connector.refresh(tokens.refresh_token)
    assert refreshed.access_token != tokens.access_token
    assert refreshed.refresh_token == tokens.refresh_token  # no rotation
    access = BankAccess(consent.consent_id, refreshed.access_token)
    accounts = connector.list_accounts(access)
    assert accounts and all(a.currency for a in accounts)
    for account in accounts:
        balances = connector.read_balances(access, account.account_id, psu_present=True,
                                           psu_ip=PSU_IP)
        assert {b.account_id for b in balances} == {account.account_id}
        assert all(isinstance(b.amount.amount, Decimal) for b in balances)

    connector.delete_consent(consent.consent_id, access_token=refreshed.access_token)
    assert connector.get_consent(consent.consent_id).status is ConsentStatus.REVOKED
    connector.delete_consent(consent.consent_id)  # deleting again is fine
    with pytest.raises(ConsentGone):
        connector.read_balances(access, accounts[0].account_id)


def test_northgate_balances_keep_credit_lines_apart(sandbox, wire):
    connector = sandbox.connector("northgate")
    bob = take_through_consent(connector, "bob")
    (account,) = connector.list_accounts(bob.access)
    balances = {b.type: b for b in connector.read_balances(bob.access, account.account_id)}
    booked = balances[BalanceType.CLOSING_BOOKED]
    assert booked.amount == Money(Decimal("-150.25"), "GBP")
    assert booked.credit_debit is CreditDebit.DEBIT
    available = balances[BalanceType.INTERIM_AVAILABLE]
    assert available.amount == Money(Decimal("849.75"), "GBP")
    assert available.credit_line_included
    assert available.own_funds == Money(Decimal("-150.25"), "GBP")
    assert account.identifiers[0].scheme == "SortCodeAccountNumber"


def test_zero_and_foreign_currency_balances(sandbox, wire):
    carol = sandbox.connector("northgate")
    auth = take_through_consent(carol, "carol")
    (account,) = carol.list_accounts(auth.access)
    balances = carol.read_balances(auth.access, account.account_id)
    assert {b.amount for b in balances} == {Money(Decimal("0.00"), "EUR")}
    assert all(b.credit_debit is CreditDebit.CREDIT for b in balances)


def test_berlin_group_credit_limit_included_without_amount(sandbox, wire):
    connector = sandbox.connector("rheinfeld")
    bob = take_through_consent(connector, "bob")
    accounts = {a.currency: a for a in connector.list_accounts(bob.access)}
    assert set(accounts) == {"EUR", "USD"}
    assert accounts["EUR"].identifiers[0].scheme == "IBAN"
    balances = {b.type: b for b in connector.read_balances(bob.access,
                                                             accounts["EUR"].account_id)}
    assert balances[BalanceType.CLOSING_BOOKED].amount == Money(Decimal("-42.10"), "EUR")
    available = balances[BalanceType.INTERIM_AVAILABLE]
    # Berlin Group says a line is included, not how large: the amount stands as given
    assert available.credit_line_included and available.own_funds == available.amount


@pytest.mark.parametrize("bank_id", BANKS)
def test_unattended_reads_stop_after_four_a_day(sandbox, wire, bank_id):
    connector = sandbox.connector(bank_id)
    alice = take_through_consent(connector)
    account = connector.list_accounts(alice.access)[0].account_id
    for _ in range(4):
        connector.read_balances(alice.access, account)
    with pytest.raises(RateLimited) as caught:
        connector.read_balances(alice.access, account)
    assert caught.value.retry_after and caught.value.retry_after > 0
    assert caught.value.bank_id == bank_id
    # the PSU present is not counted
    assert connector.read_balances(alice.access, account, psu_present=True, psu_ip=PSU_IP)


def test_berlin_group_counts_against_the_consents_frequency(sandbox, wire):
    connector = sandbox.connector("rheinfeld")
    carol = take_through_consent(connector, "carol", request=ConsentRequest(
        psu_ip=PSU_IP, frequency_per_day=2))
    assert carol.consent.frequency_per_day == 2
    account = connector.list_accounts(carol.access)[0].account_id
    connector.read_balances(carol.access, account)
    connector.read_balances(carol.access, account)
    with pytest.raises(RateLimited, match="ACCESS_EXCEEDED"):
        connector.read_balances(carol.access, account)


def test_psu_present_needs_the_psu_ip(sandbox):
    connector = sandbox.connector("northgate")
    with pytest.raises(ValueError):
        connector.read_balances(BankAccess("c", "t"), "a", psu_present=True)


def test_berlin_group_consent_needs_psu_ip(sandbox, wire):
    with pytest.raises(BankRejected, match="400 FORMAT_ERROR"):
        sandbox.connector("rheinfeld").create_consent(ConsentRequest())


@pytest.mark.parametrize("bank_id", BANKS)
def test_consent_revoked_by_psu_at_the_bank(sandbox, wire, bank_id):
    connector = sandbox.connector(bank_id)
    alice = take_through_consent(connector)
    state = sandbox.states[bank_id]
    state.set_status(state.consents[alice.consent.consent_id], "revoked_by_psu")
    with pytest.raises(ConsentGone) as caught:
        connector.list_accounts(alice.access)
    assert caught.value.kind in ("consent_gone", "consent_revoked")
    with pytest.raises(BankUnauthorised, match="invalid_grant"):
        connector.refresh(alice.tokens.refresh_token)


@pytest.mark.parametrize("bank_id", BANKS)
def test_consent_expires_at_the_bank(sandbox, wire, bank_id):
    connector = sandbox.connector(bank_id)
    bank = sandbox.states[bank_id].bank
    bank.token_ttl = 400 * 86400
    alice = take_through_consent(connector, request=ConsentRequest(
        psu_ip=PSU_IP, expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=2)))
    with moved_clock(bank, days=3):
        with pytest.raises(ConsentGone) as caught:
            connector.list_accounts(alice.access)
        assert caught.value.cause in ("consent_gone", "consent_expired")
        assert connector.get_consent(alice.consent.consent_id).status is ConsentStatus.EXPIRED
    bank.token_ttl = 300


@pytest.mark.parametrize("bank_id", BANKS)
def test_expired_access_token_then_refresh(sandbox, wire, bank_id):
    connector = sandbox.connector(bank_id)
    alice = take_through_consent(connector)
    tokens = sandbox.states[bank_id].tokens
    held = tokens[alice.tokens.access_token]
    tokens[alice.tokens.access_token] = replace(held, expires=held.expires - timedelta(hours=1))
    with pytest.raises(TokenExpired):
        connector.list_accounts(alice.access)
    fresh = connector.refresh(alice.tokens.refresh_token)
    assert connector.list_accounts(BankAccess(alice.consent.consent_id, fresh.access_token))


@pytest.mark.parametrize("bank_id", BANKS)
def test_psu_denies(sandbox, wire, bank_id):
    connector = sandbox.connector(bank_id)
    consent = connector.create_consent(ConsentRequest(psu_ip=PSU_IP))
    redirect = connector.authorisation_redirect(consent.consent_id, redirect_uri=REDIRECT_URI,
                                                state="s-2")
    answer = authorise(redirect.url, "alice", approve=False)
    assert answer["error"] == "access_denied" and answer["state"] == "s-2"
    assert connector.get_consent(consent.consent_id).status is ConsentStatus.REJECTED


@pytest.mark.parametrize("bank_id", BANKS)
def test_code_is_single_use_and_bound_to_the_verifier(sandbox, wire, bank_id):
    connector = sandbox.connector(bank_id)
    consent = connector.create_consent(ConsentRequest(psu_ip=PSU_IP))
    redirect = connector.authorisation_redirect(consent.consent_id, redirect_uri=REDIRECT_URI,
                                                state="s")
    code = authorise(redirect.url, "carol")["code"]
    with pytest.raises(BankUnauthorised, match="invalid_grant"):
        connector.exchange_code(code, redirect_uri=REDIRECT_URI, code_verifier="x" * 43)
    with pytest.raises(BankUnauthorised, match="invalid_grant"):  # used up by the failed try
        connector.exchange_code(code, redirect_uri=REDIRECT_URI,
                                code_verifier=redirect.code_verifier)


def test_unattended_allowance_holds_under_concurrent_reads(sandbox, wire):
    from concurrent.futures import ThreadPoolExecutor

    connector = sandbox.connector("rheinfeld")
    alice = take_through_consent(connector)
    account = connector.list_accounts(alice.access)[0].account_id

    def read(_):
        try:
            connector.read_balances(alice.access, account)
            return "ok"
        except RateLimited:
            return "limited"

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(read, range(12)))
    assert outcomes.count("ok") == 4 and outcomes.count("limited") == 8


TRANSACTIONS = ConsentRequest(permissions=(
    "ReadAccountsDetail", "ReadTransactionsDetail", "ReadTransactionsCredits",
    "ReadTransactionsDebits"), psu_ip=PSU_IP)


@pytest.mark.parametrize("bank_id", BANKS)
def test_transactions_page_by_page(sandbox, wire, bank_id):
    """24 months in the bank's own pages, lazily: each page one call, made when asked for."""
    connector: BankConnector = sandbox.connector(bank_id)
    alice = take_through_consent(connector, "bob" if bank_id == "thamesmoor" else "alice",
                                 request=TRANSACTIONS)
    account = connector.list_accounts(alice.access)[0].account_id
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=730)
    pages = connector.read_transactions(alice.access, account, booked_from=since,
                                        psu_present=True, psu_ip=PSU_IP)
    calls = len(wire)
    first = next(pages)
    assert len(wire) == calls + 1 and first.next_cursor
    rest = list(pages)
    assert len(wire) == calls + 1 + len(rest)
    rows = [t for page in (first, *rest) for t in page.transactions]
    assert len(rows) > 2000 and rest[-1].next_cursor is None
    assert {t.account_id for t in rows} == {account}
    assert len({t.transaction_id for t in rows}) == len(rows)
    assert all(t.booked_at >= since - dt.timedelta(days=1) for t in rows)
    cards = [t for t in rows if t.bank_transaction_code
             and t.bank_transaction_code.sub_family == "POSD"]
    assert cards and all(t.amount.amount < 0 and t.merchant_name for t in cards)
    assert any(t.exchange_rate for t in cards)
    resumed = list(connector.read_transactions(alice.access, account, booked_from=since,
                                               cursor=first.next_cursor, psu_present=True,
                                               psu_ip=PSU_IP))
    assert [t for p in resumed for t in p.transactions] == \
        [t for p in rest for t in p.transactions]


def test_window_and_psu_ip_checked_before_any_call(sandbox):
    connector = sandbox.connector("northgate")
    access = BankAccess("c", "t")
    with pytest.raises(ValueError):
        connector.read_transactions(access, "a", booked_from=dt.datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        connector.read_transactions(access, "a", booked_from=dt.datetime.now(dt.UTC),
                                    booked_to=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(ValueError):
        connector.read_transactions(access, "a", booked_from=dt.datetime.now(dt.UTC),
                                    psu_present=True)


def test_own_transfers_link_across_banks_and_standards(sandbox, wire):
    """Carol moves money every month from her Berlin Group account to her euro account at a UK
    bank: both legs arrive, one from each connector, with the same amount, day and reference."""
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=730)
    legs = {}
    for bank_id in ("rheinfeld", "northgate"):
        connector = sandbox.connector(bank_id)
        carol = take_through_consent(connector, "carol", request=TRANSACTIONS)
        account = next(a for a in connector.list_accounts(carol.access) if a.currency == "EUR")
        legs[bank_id] = {t.reference: t for page in connector.read_transactions(
            carol.access, account.account_id, booked_from=since, psu_present=True,
            psu_ip=PSU_IP) for t in page.transactions
            if t.reference and t.reference.startswith("OWN")}
    assert len(legs["rheinfeld"]) >= 23 and set(legs["rheinfeld"]) == set(legs["northgate"])
    accounts = {a.id: a for state in sandbox.states.values() for a in state.bank.accounts}
    for reference, sent in legs["rheinfeld"].items():
        received = legs["northgate"][reference]
        assert sent.amount == -received.amount and sent.amount.amount < 0
        assert sent.booked_at.date() == received.booked_at.date()
        assert received.counterparty_account.identification == accounts["rf-3001"].identification
        assert sent.counterparty_account.identification == accounts["ng-3001"].identification


def test_the_window_reaches_the_bank_in_its_standards_words(sandbox, wire):
    """OB: UTC date-times to the second without a zone; Berlin Group: dates."""
    start = dt.datetime(2026, 3, 1, 10, 15, 30, 250000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    end = start + dt.timedelta(days=3)
    for bank_id, psu in (("thamesmoor", "bob"), ("rheinfeld", "bob")):
        connector = sandbox.connector(bank_id)
        bob = take_through_consent(connector, psu, request=TRANSACTIONS)
        account = connector.list_accounts(bob.access)[0].account_id
        list(connector.read_transactions(bob.access, account, booked_from=start,
                                         booked_to=end, psu_present=True, psu_ip=PSU_IP))
    queries = [r.request.url.params for r in wire if r.request.url.path.endswith("/transactions")]
    assert dict(queries[0]) == {"fromBookingDateTime": "2026-03-01T08:15:30",
                                "toBookingDateTime": "2026-03-04T08:15:31"}
    assert dict(queries[-1]) == {"bookingStatus": "both", "dateFrom": "2026-03-01",
                                 "dateTo": "2026-03-04"}
