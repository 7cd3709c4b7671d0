"""Helpers for the aggregation API tests: a consent authorised at N fake banks through the real
consent flow (so the PSU token is real and DPoP-bound), and fake bank connectors speaking the
connector Protocol with every fault the sandbox banks can be switched to."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
import redis
from sqlalchemy import event

from aggregation.connectors import errors
from aggregation.connectors.base import TokenSet
from aggregation.domain import Account, AccountIdentifier, Balance, BalanceType, CreditLine, Money
from consent import access_log
from tests.consent import fake_banks
from tests.fixtures.auth import PSU_PASSWORD

AIS = "/open-banking/v4.0/aisp"  # the OB v4.0 AIS base path
# With the aggregation extras (per-bank status, totals), which these tests look at.
BALANCES = f"{AIS}/balances?include=aggregation"
ACCOUNTS = f"{AIS}/accounts?include=aggregation"

FAULTS = ("latency", "error_rate", "timeout", "5xx", "429", "malformed_json", "truncated_json",
          "wrong_content_type", "expired_token", "consent_revoked")


@dataclass
class FakeConnector:
    """Answers like a connector over a sandbox bank; `fault` switches a failure on."""

    bank_id: str
    accounts: dict[str, list[tuple[str, str, str]]]  # bank account id -> (type, amount, ccy)
    latency: float = 0.0
    fault: str | None = None
    standard: str = "ob-uk-4.0"
    calls: list[tuple] = field(default_factory=list)
    token: str = ""
    refreshed: int = 0

    def _maybe_fail(self, access, timeout):
        if self.latency:
            time.sleep(self.latency)
        fault = self.fault
        if fault == "latency":
            time.sleep(min(timeout or 5.0, 5.0))
            raise errors.BankTimeout(self.bank_id)
        if fault in ("timeout",):
            raise errors.BankTimeout(self.bank_id)
        if fault in ("5xx", "error_rate"):
            raise errors.BankServerError(self.bank_id, detail="503")
        if fault == "429":
            raise errors.RateLimited(self.bank_id, retry_after=120)
        if fault in ("malformed_json", "truncated_json", "wrong_content_type"):
            raise errors.BadPayload(self.bank_id, fault)
        if fault == "consent_revoked":
            raise errors.ConsentGone(self.bank_id, "consent_revoked")
        if fault == "expired_token" and access.access_token == f"at-{self.bank_id}":
            raise errors.TokenExpired(self.bank_id)

    def list_accounts(self, access, *, psu_present=False, psu_ip=None, timeout=None):
        self.calls.append(("accounts", psu_ip))
        self._maybe_fail(access, timeout)
        return [Account(a, self.accounts[a][0][2], (AccountIdentifier(
            "SortCodeAccountNumber", "12345612345678"),), name="Main", product="CurrentAccount",
            category="personal", status="enabled") for a in self.accounts]

    def read_balances(self, access, account_id, *, psu_present=False, psu_ip=None, timeout=None):
        self.calls.append(("balances", account_id, psu_ip))
        self._maybe_fail(access, timeout)
        when = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
        out = []
        for kind, amount, ccy in self.accounts[account_id]:
            lines = ()
            if kind == "interim_available" and Decimal(amount) < 0:
                lines = (CreditLine(True, Money.of("500.00", ccy), "Pre-Agreed"),)
            out.append(Balance(account_id, BalanceType(kind), Money.of(amount, ccy), when, lines))
        return out

    def refresh(self, refresh_token):
        self.calls.append(("refresh", refresh_token))
        self.refreshed += 1
        return TokenSet(f"at2-{self.bank_id}", f"rt2-{self.bank_id}",
                        dt.datetime(2030, 1, 1, tzinfo=dt.UTC))


def standard_accounts(bank_id: str) -> dict[str, list[tuple[str, str, str]]]:
    return {f"{bank_id}-cur": [("interim_available", "1250.10", "GBP"),
                               ("interim_booked", "1200.00", "GBP")],
            f"{bank_id}-eur": [("interim_available", "-40.00", "EUR")]}


def rar(consent_id: str) -> dict:
    return {"authorization_details": json.dumps(
        [{"type": "account_access_consent", "consent_id": consent_id}])}


def _connect(client, html: str, bank_id: str):
    action = re.search(rf'action="(/consent/authorise/[^"]+/banks/{bank_id})"', html).group(1)
    resp = client.post(action)
    assert resp.status_code == 303, resp.get_data(as_text=True)[:300]
    state = fake_banks.state_of(resp.location)
    back = client.get(f"/consent/callback/{bank_id}?code=ok&state={state}")
    assert back.status_code == 303
    return client.get(back.location)


def driver(bank_ids, connect=_connect):
    """The PSU's consent screen: connect each bank (`connect(client, html, bank_id)` returns
    the screen again), then approve."""
    def drive(client, resp):
        if resp.status_code == 303 and "/consent/authorise/" in resp.location:
            return client.get(resp.location)
        page = resp
        for bank_id in bank_ids:
            page = connect(client, page.get_data(as_text=True), bank_id)
        html = page.get_data(as_text=True)
        action = re.search(r'action="(/consent/authorise/[^"]+/decision)"', html).group(1)
        return client.post(action, data={"action": "approve"})
    return drive


@dataclass
class Setup:
    tpp: object
    token: str
    consent_id: str
    connectors: dict[str, FakeConnector]

    def get(self, path, *, present=True, headers=None):
        sent = {"x-fapi-customer-ip-address": "203.0.113.9"} if present else {}
        return self.tpp.request("GET", path, token=self.token, headers={**sent,
                                                                         **(headers or {})})


def authorise(app, make_tpp, make_psu, bank_ids, permissions=("ReadAccountsDetail",
                                                              "ReadBalances"),
              accounts=None, username="alice",
              expiration="2099-01-01T00:00:00Z", consent_data=None) -> Setup:
    from aggregation.reader import ConnectorReader

    accounts = accounts or {b: standard_accounts(b) for b in bank_ids}
    fake_banks.install(app.extensions["consent"], *[
        fake_banks.FakeBank(b, f"Bank {b}", accounts=tuple(accounts[b])) for b in bank_ids])
    tpp = make_tpp(roles=("AISP",), name="Budget Buddy")
    make_psu(username)
    created = tpp.request("POST", f"{AIS}/account-access-consents", scope="accounts", json={
        "Data": {"Permissions": list(permissions),
                 "ExpirationDateTime": expiration, **(consent_data or {})}, "Risk": {}})
    assert created.status_code == 201, created.get_json()
    consent_id = created.get_json()["Data"]["ConsentId"]
    tokens = tpp.authorize(username, PSU_PASSWORD, "accounts", rar(consent_id),
                           drive=driver(bank_ids))
    connectors = {b: FakeConnector(b, accounts[b]) for b in bank_ids}
    aggregation = app.extensions["aggregation"]
    readers = app.extensions.setdefault("bank_readers", {})
    pool = aggregation.fanout.pool
    for bank_id, connector in connectors.items():
        readers[bank_id] = ConnectorReader(connector, _AccountPool(pool))
    return Setup(tpp, tokens["access_token"], consent_id, connectors)


class _AccountPool:
    """Account calls on their own threads (never the bank pool: no self-deadlock)."""

    def __init__(self, _bank_pool):
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(32)

    def submit(self, fn, *args, **kwargs):
        return self._pool.submit(fn, *args, **kwargs)


# -- fixtures -------------------------------------------------------------------------------------
from consent.crypto import generate_key_spec  # noqa: E402

TEST_KEYS = generate_key_spec("t1")


@pytest.fixture
def app_settings():
    return {"TOKEN_ENCRYPTION_KEYS": TEST_KEYS, "RATELIMIT_ENABLED": False}


@pytest.fixture
def agg_app(app):
    """The app, its aggregation service's threads stopped afterwards."""
    yield app
    app.extensions["aggregation"].fanout.shutdown()


@pytest.fixture
def three_banks(agg_app, make_tpp, make_psu):
    return authorise(agg_app, make_tpp, make_psu, ["alpha", "beta", "gamma"])


# -- tests ----------------------------------------------------------------------------------------
def test_balances_from_three_banks_in_one_answer(three_banks):
    resp = three_banks.get(BALANCES)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    balances = body["Data"]["Balance"]
    assert len(balances) == 9  # 3 banks x (2 GBP + 1 EUR balance)
    ids = {b["AccountId"] for b in balances}
    assert len(ids) == 6 and not any("alpha" in i or "cur" in i for i in ids)
    assert [b["Status"] for b in body["Aggregation"]["Banks"]] == ["ok"] * 3
    assert all(b["Source"] == "live" and b["FetchedAt"] for b in body["Aggregation"]["Banks"])
    totals = {t["Currency"]: t for t in body["Aggregation"]["Totals"]}
    assert totals["GBP"]["Available"] == "3750.30" and totals["GBP"]["CreditLines"] == "0"
    # -40.00 available includes a 500.00 overdraft: own funds -540.00 each, lines apart
    assert totals["EUR"]["Available"] == "-1620.00" and totals["EUR"]["CreditLines"] == "1500.00"
    debit = next(b for b in balances if b["Amount"]["Currency"] == "EUR")
    assert debit["CreditDebitIndicator"] == "Debit" and debit["Amount"]["Amount"] == "40.00"
    assert debit["Type"] == "ITAV" and debit["CreditLine"][0]["Included"] is True
    assert body["Links"]["Self"].endswith(f"{AIS}/balances")
    assert body["Aggregation"]["PsuPresent"] is True
    assert resp.headers["x-fapi-interaction-id"]


def test_account_ids_are_stable_and_the_second_read_is_cached(three_banks):
    first = three_banks.get(ACCOUNTS).get_json()
    second = three_banks.get(ACCOUNTS).get_json()
    assert [a["AccountId"] for a in first["Data"]["Account"]] == [
        a["AccountId"] for a in second["Data"]["Account"]]
    assert [b["Status"] for b in second["Aggregation"]["Banks"]] == ["cached"] * 3
    assert [b["Source"] for b in second["Aggregation"]["Banks"]] == ["cache"] * 3
    account = first["Data"]["Account"][0]
    banks = {a["AccountId"]: a["BankId"] for a in first["Aggregation"]["Accounts"]}
    assert account["Currency"] and banks[account["AccountId"]] in ("alpha", "beta", "gamma")
    assert "BankId" not in account  # OBAccount6 admits no member of ours
    assert account["Account"][0]["SchemeName"] == "UK.OBIE.SortCodeAccountNumber"
    calls = sum(len(c.calls) for c in three_banks.connectors.values())
    three_banks.get(ACCOUNTS)
    assert sum(len(c.calls) for c in three_banks.connectors.values()) == calls


def test_one_account_and_its_balances(three_banks):
    accounts = three_banks.get(ACCOUNTS).get_json()["Data"]["Account"]
    target = accounts[0]["AccountId"]
    one = three_banks.get(f"{AIS}/accounts/{target}?include=aggregation")
    assert one.status_code == 200
    assert [a["AccountId"] for a in one.get_json()["Data"]["Account"]] == [target]
    balances = three_banks.get(f"{AIS}/accounts/{target}/balances?include=aggregation").get_json()
    assert {b["AccountId"] for b in balances["Data"]["Balance"]} == {target}
    assert len(balances["Aggregation"]["Banks"]) == 1
    missing = three_banks.get(f"{AIS}/accounts/not-an-account/balances")
    assert missing.status_code == 400  # OB v4.0: an unknown resource id is a 400 with U011
    assert missing.get_json()["Errors"][0]["ErrorCode"] == "U011"


def test_balances_need_read_balances(agg_app, make_tpp, make_psu):
    setup = authorise(agg_app, make_tpp, make_psu, ["alpha"],
                      permissions=("ReadAccountsBasic",))
    resp = setup.get(f"{AIS}/balances")
    assert resp.status_code == 403
    assert resp.headers["Content-Type"] == "application/json"  # OBErrorResponse1
    assert resp.get_json()["Errors"][0]["ErrorCode"] == "U008"
    accounts = setup.get(f"{AIS}/accounts")
    assert accounts.status_code == 200
    account = accounts.get_json()["Data"]["Account"][0]
    assert "Account" not in account  # Basic
    assert setup.get(f"{AIS}/accounts/{account['AccountId']}/balances").status_code == 403


def test_revoked_consent_is_refused_with_the_ob_code(three_banks):
    assert three_banks.tpp.request("DELETE", f"{AIS}/account-access-consents/"
                                   f"{three_banks.consent_id}", scope="accounts"
                                   ).status_code == 204
    resp = three_banks.get(BALANCES)
    assert resp.status_code in (401, 403)  # the token may be revoked with the consent
    if resp.status_code == 403:
        assert resp.get_json()["Errors"][0]["ErrorCode"] == "U009"


def test_expired_consent_is_refused_with_the_ob_code(agg_app, make_tpp, make_psu):
    import time_machine

    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90)
    setup = authorise(agg_app, make_tpp, make_psu, ["alpha"],
                      expiration=soon.strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert setup.get(f"{AIS}/balances").status_code == 200  # and a consent snapshot is cached
    with time_machine.travel(soon + dt.timedelta(seconds=30), tick=True):
        resp = setup.get(f"{AIS}/balances")
    assert resp.status_code == 403, resp.get_json()
    assert resp.get_json()["Errors"][0]["ErrorCode"] == "U009"
    assert set(resp.get_json()) == {"Code", "Id", "Message", "Errors"}


def test_a_client_credentials_token_is_refused(three_banks):
    resp = three_banks.tpp.request("GET", f"{AIS}/balances", scope="accounts")
    assert resp.status_code == 403
    assert resp.get_json()["Errors"][0]["ErrorCode"] and "type" not in resp.get_json()


def test_no_token_is_401(agg_app):
    resp = agg_app.test_client().get(BALANCES)
    assert resp.status_code == 401 and "WWW-Authenticate" in resp.headers


def test_unattended_reads_stop_at_the_daily_allowance(three_banks):
    statuses = []
    aggregation = three_banks.tpp.app.extensions["aggregation"]
    aggregation.cache.fresh_seconds = 0  # every read wants the bank
    for _ in range(6):
        body = three_banks.get(BALANCES, present=False).get_json()
        statuses.append(body["Aggregation"]["Banks"][0]["Status"])
        assert body["Aggregation"]["PsuPresent"] is False
    assert statuses == ["ok"] * 4 + ["cached"] * 2
    served = three_banks.get(BALANCES, present=False).get_json()
    assert served["Aggregation"]["Banks"][0]["ErrorType"] == "DailyAllowanceExhausted"
    assert len(served["Data"]["Balance"]) == 9  # the cached values, marked
    # PSU-present reads are not counted and still go to the bank
    assert three_banks.get(BALANCES).get_json()["Aggregation"]["Banks"][0]["Status"] == "ok"
    ips = {c[-1] for c in three_banks.connectors["alpha"].calls}
    assert ips == {None, "203.0.113.9"}


def test_access_is_audited(three_banks, agg_app):
    three_banks.get(BALANCES)
    assert access_log.for_app(agg_app).flush() == 1  # queued, then chained by the flusher
    events = three_banks.tpp.request("GET", f"{AIS}/account-access-consents/"
                                     f"{three_banks.consent_id}/events", scope="accounts"
                                     ).get_json()["Data"]["Event"]
    assert events[-1]["Action"] == "data.accessed"


def test_openapi_documents_the_aggregation_extensions(agg_app):
    spec = agg_app.test_client().get("/openapi.json").get_json()
    for path in (AIS + "/accounts", AIS + "/accounts/{AccountId}",
                 AIS + "/accounts/{AccountId}/balances", AIS + "/balances"):
        operation = spec["paths"][path]["get"]
        assert operation["security"] == [{"oauth2": ["accounts"]}]
        assert {"200", "401", "403"} <= set(operation["responses"])
        assert any(p["name"] == "x-fapi-customer-ip-address" for p in operation["parameters"])
    schemas = spec["components"]["schemas"]
    assert set(schemas["BankStatus"]["properties"]) >= {"BankId", "Status", "Source",
                                                        "FetchedAt", "ErrorType", "RetryAfter"}
    assert "reauthentication_required" in schemas["BankStatus"]["properties"]["Status"]["enum"]
    assert set(schemas["CurrencyTotal"]["properties"]) >= {"Currency", "Available",
                                                           "CreditLines"}
    assert set(schemas["Aggregation"]["properties"]) >= {"Banks", "Totals", "PsuPresent",
                                                         "Accounts"}
    assert set(schemas["AisMeta"]["properties"]) == {"TotalPages", "FirstAvailableDateTime",
                                                     "LastAvailableDateTime"}


def test_a_balance_read_of_known_accounts_skips_the_account_list(three_banks):
    three_banks.get(BALANCES)
    assert [c[0] for c in three_banks.connectors["alpha"].calls] == ["balances", "balances"]
    accounts = three_banks.get(ACCOUNTS).get_json()  # details not cached yet: read live
    assert accounts["Aggregation"]["Banks"][0]["Status"] == "ok"
    assert "_listed" not in accounts["Data"]["Account"][0]
    assert accounts["Data"]["Account"][0]["Currency"] in ("GBP", "EUR")
    three_banks.tpp.app.extensions["aggregation"].cache.fresh_seconds = 0
    three_banks.get(BALANCES)  # a later balance read keeps the account details
    three_banks.tpp.app.extensions["aggregation"].cache.fresh_seconds = 30
    cached = three_banks.get(ACCOUNTS).get_json()
    assert [b["Status"] for b in cached["Aggregation"]["Banks"]] == ["cached"] * 3
    assert cached["Data"]["Account"] == accounts["Data"]["Account"]


# -- the hot path: no SQL once warm, every read queued for the audit trail, 503 without Redis
def test_a_warm_cached_read_runs_no_sql(three_banks, agg_app):
    assert three_banks.get(BALANCES).status_code == 200  # live, then cached
    assert three_banks.get(BALANCES).status_code == 200
    statements = []
    engine = agg_app.extensions["engine"]

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        body = three_banks.get(BALANCES).get_json()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert [b["Status"] for b in body["Aggregation"]["Banks"]] == ["cached"] * 3
    # without Redis, the token check reads its client's token epoch (auth.revocation): the
    # one statement allowed; with Redis, none
    epoch_reads = [] if agg_app.extensions["auth"].revocations.shared else [
        "SELECT epoch FROM client_token_epochs WHERE client_id = ?"]
    assert [s.replace("%(client_id)s", "?") for s in statements] == epoch_reads


def test_every_read_is_queued_then_chained(three_banks, agg_app):
    log = access_log.for_app(agg_app)
    log.flush()
    for _ in range(3):
        three_banks.get(BALANCES)
    three_banks.get(ACCOUNTS)
    assert log.pending() == 4
    assert log.flush() == 4
    runner = agg_app.test_cli_runner()
    out = runner.invoke(args=["audit", "verify"])
    assert out.exit_code == 0 and "OK" in out.output


def test_without_redis_reads_go_live_and_are_chained_at_once(three_banks, agg_app):
    three_banks.get(BALANCES)
    agg = agg_app.extensions["aggregation"]
    broken = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.05)
    for part in (agg.cache, agg.snapshots, agg.allowance, agg.breakers):
        part.client = broken
    agg.breakers._admit = broken.register_script("return 1")
    agg.breakers._record = broken.register_script("return 1")
    agg.allowance._consume = broken.register_script("return 1")

    def down(*_args, **_kwargs):
        raise redis.ConnectionError("Redis is down")

    agg.record_access = down
    resp = three_banks.get(BALANCES)
    assert resp.status_code == 200, resp.get_json()
    assert [b["Status"] for b in resp.get_json()["Aggregation"]["Banks"]] == ["ok"] * 3
    events = three_banks.tpp.request("GET", f"{AIS}/account-access-consents/"
                                     f"{three_banks.consent_id}/events", scope="accounts"
                                     ).get_json()["Data"]["Event"]
    assert events[-1]["Action"] == "data.accessed"  # in the chain already: no queue to wait on
    unattended = three_banks.get(BALANCES, present=False).get_json()["Aggregation"]["Banks"]
    assert {b["Status"] for b in unattended} == {"rate_limited"}  # the allowance is unknowable


def test_a_stale_downtime_verdict_is_refreshed_off_the_request(agg_app):
    agg = agg_app.extensions["aggregation"]
    jobs = []
    agg.report_calls = jobs.append
    agg.planned_downtime = lambda _session, _bank, _at: True
    with agg_app.extensions["session_factory"]() as session:
        now = agg.utcnow()
        assert agg._under_downtime(session, "alpha", now) is True  # first time: asked inline
        agg._downtime["alpha"] = (0.0, True)  # gone stale
        agg.planned_downtime = lambda _session, _bank, _at: False
        assert agg._under_downtime(session, "alpha", now) is True  # answered, refresh queued
        assert len(jobs) == 1
        jobs[0]()
        assert agg._under_downtime(session, "alpha", now) is False


def test_an_unchanged_cached_answer_is_rendered_once_and_still_audited(three_banks, agg_app,
                                                                       monkeypatch):
    from aggregation import ob_wire

    assert three_banks.get(BALANCES).status_code == 200  # live: fills the cache
    renders = []
    document = ob_wire.balances_document
    monkeypatch.setattr(ob_wire, "balances_document",
                        lambda *a, **kw: renders.append(1) or document(*a, **kw))
    log = access_log.for_app(agg_app)
    log.flush()
    first = three_banks.get(BALANCES)
    again = three_banks.get(BALANCES)
    assert again.data == first.data and len(renders) == 1
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert [b["Status"] for b in again.get_json()["Aggregation"]["Banks"]] == ["cached"] * 3
    assert log.flush() == 2  # every read audited
    plain = three_banks.get(BALANCES.split("?")[0])  # another shape: rendered on its own
    assert "Aggregation" not in plain.get_json() and len(renders) == 2
    # the bank's data changes (a live read writes the cache): the next answer is new
    held = three_banks.connectors["alpha"].accounts
    first_account = sorted(held)[0]
    held[first_account] = [(kind, "999.00", ccy) for kind, _, ccy in held[first_account]]
    agg_app.extensions["aggregation"].cache.fresh_seconds = 0
    live = three_banks.get(BALANCES)
    agg_app.extensions["aggregation"].cache.fresh_seconds = 3600
    after = three_banks.get(BALANCES)
    assert "999.00" in live.get_data(as_text=True) and after.data != first.data
    assert "999.00" in after.get_data(as_text=True)
