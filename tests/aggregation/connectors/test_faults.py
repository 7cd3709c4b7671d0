"""Every fault switch of every sandbox bank, set through its admin call, ends in the typed
error it should: never a raw httpx, json or decimal exception."""

from __future__ import annotations

import datetime as dt
import socket
import time
from dataclasses import replace

import httpx
import pytest

from aggregation.connectors.errors import (
    BadPayload,
    BankError,
    BankServerError,
    BankTimeout,
    BankUnreachable,
    ConsentGone,
    RateLimited,
    TokenExpired,
)
from aggregation.registry import BankRegistry
from tests.aggregation.live import take_through_consent

BANKS = ["northgate", "thamesmoor", "rheinfeld"]
FAULTS = [
    ({"error_rate": 1.0}, BankServerError, "server_error"),
    ({"status_5xx": 503}, BankServerError, "server_error"),
    ({"status_5xx": 502}, BankServerError, "server_error"),
    ({"rate_limit": True, "retry_after": 17}, RateLimited, "rate_limited"),
    ({"malformed_json": True}, BadPayload, "malformed_json"),
    ({"truncated_json": True}, BadPayload, "malformed_json"),
    ({"wrong_content_type": True}, BadPayload, "wrong_content_type"),
    ({"expired_tokens": True}, TokenExpired, "token_expired"),
    ({"consent_revoked": True}, ConsentGone, None),
]


def set_faults(sandbox, bank_id: str, switches: dict) -> None:
    response = httpx.post(f"{sandbox.base_url}/sandbox/{bank_id}/admin/faults", json=switches)
    assert response.status_code == 200, response.text


@pytest.fixture(params=BANKS)
def reader(request, sandbox):
    """A bank, a PSU authorised there, and a balance read to break."""
    bank_id = request.param
    connector = sandbox.connector(bank_id)
    alice = take_through_consent(connector)
    account = connector.list_accounts(alice.access)[0].account_id
    return bank_id, lambda **kw: connector.read_balances(alice.access, account, **kw)


@pytest.mark.parametrize(("switches", "error", "cause"), FAULTS,
                         ids=[next(iter(f[0])) + str(i) for i, f in enumerate(FAULTS)])
def test_fault_switch_gives_typed_error(sandbox, reader, switches, error, cause):
    bank_id, read = reader
    set_faults(sandbox, bank_id, switches)
    with pytest.raises(error) as caught:
        read()
    assert caught.value.bank_id == bank_id
    if cause:
        assert caught.value.cause == cause
    if switches.get("rate_limit"):
        assert caught.value.retry_after == 17
    httpx.post(f"{sandbox.base_url}/sandbox/{bank_id}/admin/faults/reset")
    if error is not ConsentGone:
        assert read()  # the bank works again once the switch is off


def test_hanging_bank_is_a_timeout(sandbox, reader):
    bank_id, read = reader
    set_faults(sandbox, bank_id, {"timeout": True, "hang_seconds": 5})
    started = time.monotonic()
    with pytest.raises(BankTimeout) as caught:
        read(timeout=0.3)
    assert time.monotonic() - started < 2
    assert caught.value.retryable and caught.value.bank_id == bank_id


def test_latency_is_added_and_caps_by_timeout(sandbox, reader):
    bank_id, read = reader
    set_faults(sandbox, bank_id, {"latency_ms": 150})
    started = time.monotonic()
    assert read()
    assert time.monotonic() - started >= 0.15
    with pytest.raises(BankTimeout):
        read(timeout=0.05)


def test_faults_hit_the_token_endpoint_too(sandbox):
    connector = sandbox.connector("thamesmoor")
    alice = take_through_consent(connector)
    set_faults(sandbox, "thamesmoor", {"status_5xx": 500})
    with pytest.raises(BankServerError):
        connector.refresh(alice.tokens.refresh_token)


def test_error_rate_is_a_fraction(sandbox, reader):
    bank_id, read = reader
    set_faults(sandbox, bank_id, {"error_rate": 0.5})
    outcomes = []
    for _ in range(40):
        try:
            read(psu_present=True, psu_ip="203.0.113.7")
            outcomes.append("ok")
        except BankServerError:
            outcomes.append("error")
    assert 0 < outcomes.count("error") < 40


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused(tmp_path):
    registry = BankRegistry.load(issuer=f"http://127.0.0.1:{_closed_port()}", base_dir=tmp_path)
    registry.ensure_sandbox_keys()
    for bank_id in BANKS:
        with pytest.raises(BankUnreachable) as caught:
            registry.connector(bank_id).get_consent("c-1")
        assert caught.value.cause == "connection_refused" and isinstance(caught.value, BankError)
    registry.close()


def test_a_bank_client_keeps_no_cookies_between_calls():
    """One client serves every PSU's calls to a bank: a cookie must not carry over."""
    import httpx

    from aggregation.connectors.http_client import make_http_client

    seen = []

    def bank(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, json={}, headers={"Set-Cookie": "session=psu-a; Path=/"})

    client = make_http_client(mounts={"https://bank.example": httpx.MockTransport(bank)})
    client.get("https://bank.example/accounts")
    client.get("https://bank.example/accounts")
    assert seen == [None, None]
    assert len(client.cookies) == 0


def test_bank_clients_without_a_certificate_share_one_verifying_tls_context():
    """Building a context loads the whole CA bundle; one per bank made a worker's first
    fan-out slow. Shared, it still verifies certificates and host names."""
    import ssl

    from aggregation.connectors.http_client import default_tls_context, make_http_client

    contexts = {id(make_http_client().transport.ssl_context) for _ in range(3)}
    assert contexts == {id(default_tls_context())}
    assert default_tls_context().verify_mode is ssl.CERT_REQUIRED
    assert default_tls_context().check_hostname


MID_PAGINATION = [
    ({"status_5xx": 503}, BankServerError),
    ({"rate_limit": True}, RateLimited),
    ({"truncated_json": True}, BadPayload),
    ({"wrong_content_type": True}, BadPayload),
    ({"malformed_json": True}, BadPayload),
    ({"error_rate": 1.0}, BankServerError),
]
LISTERS = {"northgate": "alice", "thamesmoor": "bob", "rheinfeld": "carol"}


@pytest.fixture(params=BANKS)
def lister(request, sandbox):
    """A bank, a PSU authorised there to read transactions, and a listing of her account."""
    from aggregation.connectors.base import ConsentRequest

    bank_id = request.param
    connector = sandbox.connector(bank_id)
    psu = take_through_consent(connector, LISTERS[bank_id], request=ConsentRequest(
        permissions=("ReadAccountsDetail", "ReadTransactionsDetail"), psu_ip="203.0.113.7"))
    account = connector.list_accounts(psu.access)[0].account_id
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=730)
    return bank_id, lambda **kw: connector.read_transactions(
        psu.access, account, booked_from=since, psu_present=True, psu_ip="203.0.113.7", **kw)


@pytest.mark.parametrize(("switches", "error"), MID_PAGINATION,
                         ids=[next(iter(f[0])) for f in MID_PAGINATION])
def test_faults_fire_mid_pagination(sandbox, lister, switches, error):
    """Page 1 arrives, page 2 breaks with the typed error: the caller holds what came before
    and the cursor to resume from, never a silently short history."""
    bank_id, listing = lister
    set_faults(sandbox, bank_id, {**switches, "from_page": 2})
    pages = listing()
    first = next(pages)
    assert first.transactions and first.next_cursor
    with pytest.raises(error) as caught:
        next(pages)
    assert caught.value.bank_id == bank_id
    httpx.post(f"{sandbox.base_url}/sandbox/{bank_id}/admin/faults/reset")
    resumed = list(listing(cursor=first.next_cursor))
    assert resumed and resumed[-1].next_cursor is None


@pytest.mark.parametrize("bank_id", BANKS)
def test_consent_revoked_or_token_expired_between_pages(sandbox, bank_id):
    from aggregation.connectors.base import ConsentRequest

    connector = sandbox.connector(bank_id)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=730)
    request = ConsentRequest(permissions=("ReadAccountsDetail", "ReadTransactionsDetail"),
                             psu_ip="203.0.113.7")
    for outcome in (TokenExpired, ConsentGone):
        psu = take_through_consent(connector, LISTERS[bank_id], request=request)
        account = connector.list_accounts(psu.access)[0].account_id
        pages = connector.read_transactions(psu.access, account, booked_from=since)
        assert next(pages).transactions
        state = sandbox.states[bank_id]
        if outcome is TokenExpired:
            state.tokens[psu.tokens.access_token] = replace(
                state.tokens[psu.tokens.access_token], expires=state.now())
        else:
            httpx.post(f"{sandbox.base_url}/sandbox/{bank_id}/admin/consents/"
                       f"{psu.consent.consent_id}/revoke")
        with pytest.raises(outcome):
            next(pages)


def test_a_hang_on_page_two_is_a_timeout(sandbox, lister):
    bank_id, listing = lister
    set_faults(sandbox, bank_id, {"timeout": True, "hang_seconds": 5, "from_page": 2})
    pages = listing(timeout=0.5)
    assert next(pages).transactions
    with pytest.raises(BankTimeout):
        next(pages)


def test_from_page_leaves_other_calls_alone(sandbox, lister):
    bank_id, listing = lister
    set_faults(sandbox, bank_id, {"status_5xx": 500, "from_page": 1})
    with pytest.raises(BankServerError):
        next(listing())
    assert httpx.get(f"{sandbox.base_url}/sandbox/{bank_id}/.well-known/"
                     "oauth-authorization-server").status_code == 200
