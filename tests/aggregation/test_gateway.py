"""aggregation.gateway: what the real bank gateway asks of a connector, and how it fails."""

from __future__ import annotations

import datetime as dt

import pytest

from aggregation.connectors.base import (
    AuthorisationRedirect,
    BankConsent,
    ConsentStatus,
    TokenSet,
)
from aggregation.connectors.errors import BankServerError
from aggregation.domain import Account
from aggregation.gateway import ConnectorGateway, from_registry
from consent.bankflow import BankFailure, ConsentTerms, guarded

EXPIRY = dt.datetime(2027, 6, 30, tzinfo=dt.UTC)


class RecordingConnector:
    bank_id = "rheinfeld"
    standard = "berlin-group-1.3"

    def __init__(self, *, accounts=("rf-1001",), fail_accounts=False):
        self.calls: list[tuple] = []
        self.accounts, self.fail_accounts = accounts, fail_accounts

    def create_consent(self, request):
        self.calls.append(("create", request))
        return BankConsent("rheinfeld", "rhe-1", ConsentStatus.AWAITING_AUTHORISATION, "received")

    def authorisation_redirect(self, consent_id, *, redirect_uri, state):
        self.calls.append(("redirect", consent_id, redirect_uri, state))
        return AuthorisationRedirect(f"https://bank.example/authorize?state={state}", state,
                                     "the-verifier")

    def exchange_code(self, code, *, redirect_uri, code_verifier):
        self.calls.append(("exchange", code, redirect_uri, code_verifier))
        return TokenSet("at-1", "rt-1", EXPIRY)

    def list_accounts(self, access, *, psu_present=False, psu_ip=None, timeout=None):
        self.calls.append(("accounts", access.consent_id, access.access_token, psu_present,
                           psu_ip))
        if self.fail_accounts:
            raise BankServerError("rheinfeld")
        return [Account(a, "EUR") for a in self.accounts]

    def delete_consent(self, consent_id, *, access_token=None):
        self.calls.append(("delete", consent_id, access_token))


def terms(psu_ip="203.0.113.7"):
    return ConsentTerms(("ReadAccountsDetail", "ReadBalances"), EXPIRY, None, None,
                        psu_ip=psu_ip)


def test_start_creates_the_bank_consent_and_keeps_the_verifier_server_side():
    connector = RecordingConnector()
    started = ConnectorGateway("rheinfeld", connector, frequency_per_day=2).start(
        terms(), state="st-1", redirect_uri="http://hub/consent/callback/rheinfeld")
    (_, request), redirect = connector.calls
    assert request.permissions == ("ReadAccountsDetail", "ReadBalances")
    assert (request.expires_at, request.recurring, request.frequency_per_day,
            request.psu_ip) == (EXPIRY, True, 2, "203.0.113.7")
    assert redirect == ("redirect", "rhe-1", "http://hub/consent/callback/rheinfeld", "st-1")
    assert started.bank_consent_id == "rhe-1"
    assert "the-verifier" not in started.redirect_url
    assert started.flow_secrets == {"code_verifier": "the-verifier", "psu_ip": "203.0.113.7"}


def test_finish_exchanges_with_the_verifier_and_lists_accounts_psu_present():
    connector = RecordingConnector(accounts=("rf-1001", "rf-1002"))
    tokens = ConnectorGateway("rheinfeld", connector).finish(
        "rhe-1", code="c-1", redirect_uri="http://hub/cb",
        flow_secrets={"code_verifier": "the-verifier", "psu_ip": "203.0.113.7"})
    assert connector.calls == [("exchange", "c-1", "http://hub/cb", "the-verifier"),
                               ("accounts", "rhe-1", "at-1", True, "203.0.113.7")]
    assert (tokens.access_token, tokens.refresh_token, tokens.expires_at, tokens.accounts) == (
        "at-1", "rt-1", EXPIRY, ("rf-1001", "rf-1002"))


@pytest.mark.parametrize("connector, kind", [
    (RecordingConnector(fail_accounts=True), "server_error"),
    (RecordingConnector(accounts=()), "no_accounts"),
])
def test_a_failed_account_list_deletes_the_new_bank_consent(connector, kind):
    gateway = ConnectorGateway("rheinfeld", connector)
    with pytest.raises(BankFailure) as failure:
        guarded("rheinfeld", lambda: gateway.finish(
            "rhe-1", code="c-1", redirect_uri="http://hub/cb",
            flow_secrets={"code_verifier": "v"}))
    assert failure.value.kind == kind
    assert connector.calls[-1] == ("delete", "rhe-1", "at-1")


def test_delete_passes_the_token():
    connector = RecordingConnector()
    ConnectorGateway("rheinfeld", connector).delete("rhe-1", "at-1")
    assert connector.calls == [("delete", "rhe-1", "at-1")]


def test_registry_gateway_refuses_an_unknown_bank(app):
    with pytest.raises(BankFailure) as failure:
        from_registry(app.extensions["banks"], "nobank")
    assert failure.value.kind == "unknown_bank"
    gateway = from_registry(app.extensions["banks"], "northgate")
    assert gateway.connector.standard == "ob-uk-4.0"
