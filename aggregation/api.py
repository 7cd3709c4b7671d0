"""UK Open Banking v4.0 account information across every bank of a consent, for TPPs with the
AISP role and a PSU-authorised (DPoP- or mTLS-bound) token with scope `accounts`.

Views are thin: who is calling, one service call, the OB document. The service object is built
once per app (`build_aggregator`) from the app's Redis, the bank registry and the consent and
status packages.
"""

from __future__ import annotations

import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import redis
from flask import current_app, g, jsonify, request
from flask_smorest import Blueprint

from aggregation import schemas
from aggregation.breaker import BankBreakers
from aggregation.cache import Allowance, BalanceCache, ConsentSnapshots
from aggregation.fanout import FanOut
from aggregation.reader import ConnectorReader
from aggregation.service import Aggregate, Aggregator, Caller
from auth.resource import current_access, require_token
from consent import access_log
from core.apidoc import OB_HEADERS, OBErrorResponse1
from core.config import parse_setting
from core.errors import Forbidden, Problem, ServiceUnavailable
from core.web import db_session, open_banking_api
from status import service as status_service

BASE_PATH = "/open-banking/v4.0/aisp"
blp = Blueprint("aggregation", __name__, url_prefix=BASE_PATH,
                description="Accounts and balances across banks (UK Open Banking v4.0)")
open_banking_api(blp)
PSU = {"scope": "accounts", "roles": ("AISP",), "psu": True}
CUSTOMER_IP = "x-fapi-customer-ip-address"
INCLUDE = "include"
AGGREGATION = "aggregation"
HEADERS = [{"in": "header", "name": CUSTOMER_IP, "schema": {"type": "string"},
            "description": "The PSU's IP address when the PSU is present. Without it the "
            "read is unattended: it counts against the bank's daily allowance (4 per account "
            "by default), past which cached balances are served (see `include`)."},
           *OB_HEADERS,
           {"in": "query", "name": INCLUDE, "schema": {"type": "string", "enum": [AGGREGATION]},
            "description": "`aggregation`: add the `Aggregation` member (per-bank status, "
            "totals per currency, PSU-present, the bank of each account). Not part of the OB "
            "schema: without it the answer is exactly OB v4.0."}]
ERRORS = {403: "Consent not AUTH (OB `U009`) or without the permission (`U008`)",
          400: "Unknown AccountId (OB `U011`), a bad FAPI header (`U006`) or `include` (`U002`)"}


@blp.record_once
def _install(state) -> None:
    state.app.extensions.setdefault("aggregation", build_aggregator(state.app))


def setting(app, name: str, default):
    """An aggregation setting: app config (tests), else the environment, else the default.
    (Until `core.config.SETTINGS` lists them, the environment is read here.)"""
    value = app.config.get(name)
    if value is None:
        value = os.environ.get(name)
    if isinstance(value, str) and value:
        return parse_setting(name, value, type(default))
    return type(default)(value) if value not in (None, "") else default


def build_aggregator(app) -> Aggregator:
    kv = app.extensions["redis"]
    return Aggregator(
        fanout=FanOut(setting(app, "AGGREGATION_MAX_WORKERS", 64)),
        breakers=BankBreakers(kv, threshold=setting(app, "AGGREGATION_BREAKER_FAILURES", 5),
                              open_seconds=setting(app, "AGGREGATION_BREAKER_OPEN_SECONDS",
                                                   30.0)),
        cache=BalanceCache(kv, fresh_seconds=setting(app, "AGGREGATION_CACHE_SECONDS", 30.0)),
        allowance=Allowance(kv),
        snapshots=ConsentSnapshots(
            kv, seconds=setting(app, "AGGREGATION_CONSENT_SNAPSHOT_SECONDS", 5.0)),
        reader_for=_readers(app),
        consent_adapters=_ConsentAdapters(app),
        id_key=_id_key(setting(app, "AGGREGATION_ID_KEY", ""), app.instance_path),
        deadline_seconds=setting(app, "AGGREGATION_DEADLINE_SECONDS", 2.0),
        frequency_per_day=lambda bank_id: _frequency(app, bank_id),
        planned_downtime=status_service.bank_under_planned_downtime,
        record_calls=lambda calls: status_service.record_bank_calls(
            calls, runtime=app.extensions.get("status")),
        report_calls=None if app.testing else _Background().submit,
        record_access=access_log.for_app(app).record,
        session_factory=app.extensions["session_factory"],
    )


class _Background:
    """One thread per process for work a response need not wait for (created on first use,
    so each forked worker has its own)."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0

    def submit(self, job) -> None:
        if self._pool is None or self._pid != os.getpid():
            self._pool, self._pid = ThreadPoolExecutor(1, "bank-reports"), os.getpid()
        self._pool.submit(job)


class _ConsentAdapters:
    """The consent package's adapters, looked up when used: the blueprint may be registered
    before the consent package has installed them."""

    def __init__(self, app) -> None:
        self._app = app

    def __getattr__(self, name: str):
        return getattr(self._app.extensions["consent"], name)


def _id_key(configured: str | None, instance_path: str) -> bytes:
    """The HMAC key of our AccountIds: configured (several hosts), else one file per instance
    created once, so every worker derives the same ids and they survive restarts."""
    if configured:
        return configured.encode()
    path = Path(instance_path) / "aggregation-id.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_bytes().strip()


def _readers(app):
    """bank id -> BankReader over that bank's connector; `app.extensions["bank_readers"]`
    (a dict) overrides per bank, for tests and demos."""
    account_calls = FanOut(setting(app, "AGGREGATION_MAX_WORKERS", 64) * 2)
    made: dict[str, ConnectorReader] = {}

    def reader_for(bank_id: str):
        override = app.extensions.get("bank_readers", {}).get(bank_id)
        if override is not None:
            return override
        if bank_id not in made:
            connector = _connector(app, bank_id)
            if connector is None:
                return None
            made[bank_id] = ConnectorReader(connector, account_calls.pool)
        return made[bank_id]

    return reader_for


def _connector(app, bank_id: str):
    registry = app.extensions.get("banks")
    for name in ("connector", "connector_for"):
        member = getattr(registry, name, None)
        if callable(member):
            try:
                return member(bank_id)
            except (KeyError, LookupError, ValueError):  # RegistryError: unknown bank
                return None
    return getattr(_bank(app, bank_id), "connector", None)


def _frequency(app, bank_id: str) -> int:
    bank = _bank(app, bank_id)
    return int(getattr(bank, "frequency_per_day", None) or 4)


def _bank(app, bank_id: str) -> Any:
    registry = app.extensions.get("banks")
    get = getattr(registry, "get", None)
    try:
        return get(bank_id) if callable(get) else None
    except (KeyError, ValueError):  # RegistryError: unknown bank
        return None


def caller() -> Caller:
    access = current_access()
    if access.consent_id is None:
        raise Forbidden("This token is not bound to an account-access consent: read account "
                        "data with a token the PSU authorised.")
    return Caller(access.client_id, access.consent_id,
                  request.headers.get(CUSTOMER_IP) or None, g.get("interaction_id"))


def aggregator() -> Aggregator:
    return current_app.extensions["aggregation"]


def read(**kwargs) -> Aggregate:
    """The aggregated read for this request's caller. The service steps around a Redis it
    cannot reach; a Redis error that still escapes is a 503, so the TPP retries."""
    try:
        return aggregator().read(db_session(), caller(), **kwargs)
    except redis.RedisError as exc:
        raise ServiceUnavailable("The cache is unavailable; retry shortly.",
                                 headers={"Retry-After": "5"}) from exc


def documents_ob_errors(view):
    """The error answers every OB read documents, as OBErrorResponse1."""
    view = blp.alt_response(400, schema=OBErrorResponse1, description=ERRORS[400])(view)
    view = blp.alt_response(403, schema=OBErrorResponse1, description=ERRORS[403])(view)
    return blp.alt_response(406, schema=OBErrorResponse1,
                            description="Accept admits no application/json")(view)


@blp.get("/accounts")
@require_token(**PSU)
@blp.doc(parameters=HEADERS)
@blp.response(200, schemas.OBReadAccount6)
@documents_ob_errors
def list_accounts():
    """Every account the consent covers, at every bank, in one answer."""
    extras = wants_extras()
    return jsonify(accounts_document(read(balances=False), extras))


@blp.get("/accounts/<AccountId>")
@require_token(**PSU)
@blp.doc(parameters=HEADERS)
@blp.response(200, schemas.OBReadAccount6)
@documents_ob_errors
def get_account(AccountId: str):
    """One account, by our AccountId (an unknown one: 400 with `U011`)."""
    extras = wants_extras()
    return jsonify(accounts_document(read(balances=False, account_id=AccountId), extras))


@blp.get("/accounts/<AccountId>/balances")
@require_token(**PSU)
@blp.doc(parameters=HEADERS)
@blp.response(200, schemas.OBReadBalance1)
@documents_ob_errors
def account_balances(AccountId: str):
    """One account's balances."""
    extras = wants_extras()
    return jsonify(balances_document(read(balances=True, account_id=AccountId), extras))


@blp.get("/balances")
@require_token(**PSU)
@blp.doc(parameters=HEADERS)
@blp.response(200, schemas.OBReadBalance1)
@documents_ob_errors
def all_balances():
    """Balances of every consented account at every bank in one answer. A bank that fails
    never fails the request; `include=aggregation` says, per bank, where its data came from
    and why, and sums the available balances per currency (credit lines apart)."""
    extras = wants_extras()
    return jsonify(balances_document(read(balances=True), extras))


def wants_extras() -> bool:
    value = request.args.get(INCLUDE)
    if value is None:
        return False
    if value != AGGREGATION:
        raise Problem(f"include: only {AGGREGATION!r} is known.", Errors=[{
            "ErrorCode": "U002", "Message": f"Only {AGGREGATION!r} is known", "Path": INCLUDE}])
    return True


# -- OB documents: the one place the OB v4.0 account and balance shapes are written ---------
ACCOUNT_MEMBERS = ("AccountId", "Status", "StatusUpdateDateTime", "Currency", "AccountCategory",
                   "AccountTypeCode", "Description", "Nickname", "OpeningDate", "MaturityDate",
                   "SwitchStatus", "Account", "StatementFrequencyAndFormat", "Servicer")


def accounts_document(result: Aggregate, extras: bool = False) -> dict:
    """OBReadAccount6: only its members, `Account[]` only with ReadAccountsDetail."""
    accounts = []
    for data in result.accounts:
        account = {k: data[k] for k in ACCOUNT_MEMBERS if k in data}
        if not result.detail:
            account.pop("Account", None)
        accounts.append(account)
    document = {"Data": {"Account": accounts}, "Links": {"Self": _self()},
                "Meta": {"TotalPages": 1}}
    if extras:
        document[AGGREGATION_MEMBER] = _aggregation(result, totals=False)
    return document


def balances_document(result: Aggregate, extras: bool = False) -> dict:
    """OBReadBalance1, and with `include=aggregation` the `Aggregation` member."""
    balances = [{"AccountId": data["AccountId"], **balance}
                for data in result.accounts for balance in data.get("Balances") or ()]
    document = {"Data": {"Balance": balances}, "Links": {"Self": _self()},
                "Meta": {"TotalPages": 1}}
    if extras:
        document[AGGREGATION_MEMBER] = _aggregation(result, totals=True)
    return document


AGGREGATION_MEMBER = "Aggregation"


def _self() -> str:
    return current_app.config["ISSUER"] + request.path


def _aggregation(result: Aggregate, *, totals: bool) -> dict:
    banks = []
    for report in result.banks:
        retry = report.retry_after
        banks.append({"BankId": report.bank_id, "Status": report.status.value,
                      "Source": report.source,
                      "FetchedAt": report.fetched_at.isoformat() if report.fetched_at else None,
                      "ErrorType": report.error_type,
                      "RetryAfter": int(retry + 0.999) if retry is not None else None})
    extras: dict[str, Any] = {
        "PsuPresent": bool(request.headers.get(CUSTOMER_IP)), "Banks": banks,
        "Accounts": [{"AccountId": data["AccountId"], "BankId": data.get("BankId")}
                     for data in result.accounts]}
    if totals:
        extras["Totals"] = [{"Currency": t.currency, "Available": str(t.available),
                             "CreditLines": str(t.credit_lines), "AccountCount": t.accounts}
                            for t in result.totals]
    return extras
