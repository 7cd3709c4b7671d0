"""Aggregated account information across every bank of a consent. No Flask.

One read, in order: the consent must be AUTH and carry the permission (else the typed 403);
its bank links come from the consent service; banks needing re-authentication are reported
and skipped; fresh cache entries are served without calling the bank; banks under planned
downtime are skipped; unattended reads spend the daily allowance (past it: cache); the circuit
breaker and any Retry-After decide who may be called; the rest are called concurrently under
one deadline. Afterwards, in this thread (the session is not shared with bank threads):
refreshed bank tokens are stored, gone bank-side consents are marked, the breaker and the
status package learn each call's result (off the request thread in production), the cache is
written, and the access is queued for the consent's hash-chained audit trail
(`consent.access_log`: one XADD; a flusher chains it within a second).

A fully cached read touches no database: the consent snapshot and the cache entries come in
one Redis round trip, the access record in a second. A bank that fails never fails the read:
it is reported, and its last known data (if any) is served with its age.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import redis
from sqlalchemy.orm import Session

from aggregation.breaker import Admission, BankBreakers, Verdict
from aggregation.cache import Allowance, BalanceCache, Cached, ConsentSnapshots
from aggregation.fanout import Deadline, FanOut, Outcome, Status
from aggregation.reader import (  # noqa: F401 - re-exported: the adapter lived here
    LISTED,
    BankAccount,
    BankRead,
    BankReader,
    ConnectorReader,
    RefreshedTokens,
    ob_account,
    ob_balance,
)
from aggregation.totals import BalanceLine, CurrencyTotal, balance_lines, totals
from consent import service as consent_service
from core.db import unit_of_work
from core.errors import Problem
from core.logging import get_logger

READ_BALANCES = "ReadBalances"
ACCOUNT_PERMISSIONS = frozenset({"ReadAccountsBasic", "ReadAccountsDetail"})
CONSENT_MISMATCH = "U008"  # UK.OBIE.Resource.ConsentMismatch
NOT_FOUND = "U011"  # UK.OBIE.Resource.NotFound
HEALTH = {Status.OK: True, Status.TIMEOUT: False, Status.ERROR: False}
DOWNTIME_SECONDS = 10.0  # how long a planned-downtime answer is reused in this process

log = get_logger("aggregation.service")


def ob_problem(detail: str, code: str, path: str | None, **kwargs) -> Problem:
    error = {"ErrorCode": code, "Message": detail, **({"Path": path} if path else {})}
    return Problem(detail, Errors=[error], **kwargs)


@dataclass(frozen=True)
class Caller:
    """Who reads, for which consent, and whether the PSU is present (RTS Art. 36(5)): a PSU
    is present when the TPP forwards their IP in `x-fapi-customer-ip-address`."""

    client_id: str
    consent_id: str | None
    psu_ip: str | None = None
    interaction_id: str | None = None

    @property
    def psu_present(self) -> bool:
        return bool(self.psu_ip)


@dataclass
class BankReport:
    bank_id: str
    status: Status
    source: str = "none"  # live | cache | none
    fetched_at: dt.datetime | None = None
    error_type: str | None = None
    retry_after: float | None = None
    accounts: list[dict[str, Any]] = field(default_factory=list)
    served: list[Cached] = field(default_factory=list)  # the cache entries `accounts` came from


@dataclass(frozen=True)
class LinkView:
    """A bank link as a cached read sees it: no tokens (they are read when a bank is called)."""

    bank_id: str
    accounts: tuple[str, ...]
    reauthentication_required: bool


@dataclass(frozen=True)
class ConsentView:
    consent_id: str
    client_id: str
    permissions: frozenset[str]
    expiration_at: dt.datetime | None
    links: tuple[LinkView, ...]

    def to_json(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "permissions": sorted(self.permissions),
                "expiration_at": self.expiration_at.isoformat() if self.expiration_at else None,
                "links": [[v.bank_id, list(v.accounts), v.reauthentication_required]
                          for v in self.links]}

    @classmethod
    def from_json(cls, consent_id: str, data: dict[str, Any]) -> ConsentView:
        expiry = data["expiration_at"]
        return cls(consent_id, data["client_id"], frozenset(data["permissions"]),
                   dt.datetime.fromisoformat(expiry) if expiry else None,
                   tuple(LinkView(b, tuple(a), r) for b, a, r in data["links"]))


@dataclass
class Aggregate:
    accounts: list[dict[str, Any]]
    banks: list[BankReport]
    totals: list[CurrencyTotal]
    detail: bool


class Aggregator:
    """The use case, with its adapters injected (Redis-backed parts, readers, clocks)."""

    def __init__(self, *, fanout: FanOut, breakers: BankBreakers, cache: BalanceCache,
                 allowance: Allowance, reader_for: Callable[[str], BankReader | None],
                 snapshots: ConsentSnapshots,
                 consent_adapters: Any, id_key: bytes, deadline_seconds: float = 2.0,
                 frequency_per_day: Callable[[str], int] = lambda _bank: 4,
                 planned_downtime: Callable[[Session, str, dt.datetime], bool] | None = None,
                 record_calls: Callable[[list[tuple[str, bool, float]]], None] | None = None,
                 report_calls: Callable[[Callable[[], None]], Any] | None = None,
                 record_access: Callable[..., None] | None = None,
                 session_factory: Callable[[], Session] | None = None,
                 utcnow: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
                 retry_after_default: float = 30.0) -> None:
        self.fanout, self.breakers, self.cache, self.allowance = fanout, breakers, cache, allowance
        self.reader_for = reader_for
        self.snapshots = snapshots
        self.consent_adapters = consent_adapters
        self.id_key = id_key
        self.deadline_seconds = deadline_seconds
        self.frequency_per_day = frequency_per_day
        self.planned_downtime = planned_downtime
        self.record_calls = record_calls
        # how bank-call reports run: None = in this thread; else e.g. an executor's submit
        self.report_calls = report_calls
        # data-access audit: consent.access_log's record (queued, chained in batches); None =
        # consent.service.record_access (a chained event in its own transaction, per read)
        self.record_access = record_access
        self.session_factory = session_factory  # for work off the request thread
        self.utcnow = utcnow
        self.retry_after_default = retry_after_default
        self._downtime: dict[str, tuple[float, bool]] = {}

    def account_id(self, consent_id: str, bank_id: str, bank_account_id: str) -> str:
        """Stable and opaque: the same bank account under another consent gets another id,
        and nothing of the bank's id can be read back from ours."""
        message = f"{consent_id}\x1f{bank_id}\x1f{bank_account_id}".encode()
        return hmac.new(self.id_key, message, hashlib.sha256).hexdigest()[:32]

    # -- the use case ---------------------------------------------------------------------
    def read(self, session: Session, caller: Caller, *, balances: bool,
             account_id: str | None = None) -> Aggregate:
        now = self.utcnow()
        consent, cached = self._consent_and_cache(session, caller, now)
        permissions = consent.permissions
        if balances:
            _require(READ_BALANCES in permissions, READ_BALANCES)
        else:
            _require(bool(permissions & ACCOUNT_PERMISSIONS), "ReadAccountsBasic")
        cid, links = consent.consent_id, list(consent.links)
        if account_id is not None:
            links = [link for link in links if self._holds(cid, link, cached, account_id)]
            if not links:
                # OB v4.0: an unknown resource id is a 400 with U011, not a 404.
                raise ob_problem("No account with this AccountId under the consent.",
                                 NOT_FOUND, "AccountId", slug="not-found", status=400)
        reports = {link.bank_id: BankReport(link.bank_id, Status.OK) for link in links}
        to_call = self._triage(session, caller, links, cached, reports, balances, now)
        outcomes = self._call(session, caller, cid, to_call, cached, reports, balances)
        accounts = [a for r in reports.values() for a in r.accounts
                    if account_id is None or a["AccountId"] == account_id]
        self._audit(session, caller, cid, "balances" if balances else "accounts",
                    sorted(reports), now)
        self._report_calls(outcomes)  # last: its thread competes with this one for the GIL
        return Aggregate(accounts, [reports[b] for b in sorted(reports)],
                         totals(_lines(reports.values(), account_id)) if balances else [],
                         detail="ReadAccountsDetail" in permissions)

    def _audit(self, session, caller: Caller, cid: str, resource: str, banks: list[str],
               now: dt.datetime) -> None:
        actor = consent_service.Actor("tpp", caller.client_id, caller.interaction_id)
        if self.record_access is not None:
            try:
                self.record_access(cid, resource=resource, banks=banks, actor=actor,
                                   psu_present=caller.psu_present, now=now)
                return
            except redis.RedisError as exc:  # no queue: chain the event now, as before
                log.warning("access_queue_unavailable", error_type=type(exc).__name__)
        consent_service.record_access(
            session, cid, client_id=caller.client_id, resource=resource, banks=banks,
            actor=actor, adapters=self.consent_adapters, psu_present=caller.psu_present)

    def _consent_and_cache(self, session: Session, caller: Caller, now: dt.datetime
                           ) -> tuple[ConsentView, dict[str, list[Cached]]]:
        """The consent and its banks' cache entries (bank -> entries; a bank without any has
        an empty list), read together in one round trip."""
        cid = caller.consent_id or ""
        data, found = _quiet("snapshot", lambda: self.snapshots.get_with_cache(
            cid, self.cache, now), (None, None))
        consent = self._consent(session, caller, now, data)
        if found is None:  # the snapshot step failed: the cache may still answer
            found = _quiet("cache", lambda: self.cache.read(cid, now), {})
        return consent, {link.bank_id: found.get(link.bank_id, []) for link in consent.links}

    def _consent(self, session: Session, caller: Caller, now: dt.datetime,
                 data: dict[str, Any] | None) -> ConsentView:
        """The consent from its snapshot when one is fresh and still unexpired, else from the
        consent service (which refuses it with the OB code unless it is AUTH)."""
        cid = caller.consent_id or ""
        if data is not None:
            view = ConsentView.from_json(cid, data)
            if view.client_id == caller.client_id and (
                    view.expiration_at is None or now < view.expiration_at):
                return view
        consent = consent_service.get_authorised_consent(session, cid, caller.client_id)
        links = consent_service.bank_links(session, cid, adapters=self.consent_adapters)
        view = ConsentView(cid, consent.client_id, frozenset(consent.permissions),
                           consent.expiration_at,
                           tuple(LinkView(link.bank_id, tuple(link.accounts),
                                          link.reauthentication_required) for link in links))
        _quiet("snapshot", lambda: self.snapshots.put(cid, view.to_json()))
        return view

    def _holds(self, cid, link, cached, account_id) -> bool:
        known = {self.account_id(cid, link.bank_id, a) for a in link.accounts}
        known |= {e.account_id for e in cached[link.bank_id]}
        return account_id in known

    def _triage(self, session, caller, links, cached, reports, balances, now) -> list:
        """Settle every bank that will not be called now; return the links to call."""
        fresh_for = self.cache.fresh_seconds
        pending = []
        for link in links:
            entries = cached[link.bank_id]
            usable = [e for e in entries if (e.data.get("Balances") is not None if balances
                                             else e.data.get(LISTED))]
            if link.reauthentication_required:
                self._settle(reports, link.bank_id, Status.REAUTHENTICATION_REQUIRED, [],
                             "ReauthenticationRequired")
            elif usable and len(usable) == len(entries) and all(
                    e.is_fresh(now, fresh_for) for e in usable):
                self._settle(reports, link.bank_id, Status.CACHED, usable)
            elif self._under_downtime(session, link.bank_id, now):
                self._settle(reports, link.bank_id, Status.PLANNED_DOWNTIME, usable,
                             "PlannedDowntime")
            else:
                pending.append((link, usable))
        if not caller.psu_present:
            allowed = []
            for link, usable in pending:
                ids = {self.account_id(caller.consent_id, link.bank_id, a)
                       for a in link.accounts} | {e.account_id for e in usable}
                limit = self.frequency_per_day(link.bank_id)
                # without Redis the allowance cannot be counted: never overspend it
                if _quiet("allowance", lambda ids=ids, limit=limit: self.allowance.consume(
                        caller.consent_id, ids, limit), False):
                    allowed.append((link, usable))
                else:
                    self._settle(reports, link.bank_id,
                                 Status.CACHED if usable else Status.RATE_LIMITED, usable,
                                 "DailyAllowanceExhausted")
            pending = allowed
        asks = {link.bank_id: (link.bank_id, f"{link.bank_id}:{caller.consent_id}")
                for link, _ in pending}
        verdicts = _quiet("breaker", lambda: self.breakers.admit(asks),
                          {bank_id: Verdict(Admission.CLOSED) for bank_id in asks})
        to_call = []
        for link, usable in pending:
            verdict = verdicts[link.bank_id]
            if verdict.admission is Admission.WAIT:
                self._settle(reports, link.bank_id, Status.RATE_LIMITED, usable, "RetryAfter",
                             retry_after=verdict.wait_seconds)
            elif verdict.admission is Admission.OPEN:
                self._settle(reports, link.bank_id, Status.ERROR, usable, "CircuitOpen")
            elif self.reader_for(link.bank_id) is None:
                self._settle(reports, link.bank_id, Status.ERROR, usable, "UnknownBank")
            else:
                to_call.append(link)
        return to_call

    def _under_downtime(self, session: Session, bank_id: str, now: dt.datetime) -> bool:
        """Asks the status package, in a transaction of its own (so a read it begins never
        swallows the audit write that follows); if it cannot answer, the bank is called."""
        if self.planned_downtime is None:
            return False
        remembered = self._downtime.get(bank_id)
        if remembered is not None and remembered[0] > time.monotonic():
            return remembered[1]
        if remembered is not None and self.report_calls is not None and self.session_factory:
            # Stale: answer with it and refresh off the request thread (a query per bank,
            # serial before the fan-out, was a visible share of a cold read's latency).
            self._downtime[bank_id] = (time.monotonic() + DOWNTIME_SECONDS, remembered[1])
            self.report_calls(lambda: self._refresh_downtime(bank_id))
            return remembered[1]
        verdict = self._ask_downtime(session, bank_id, now)
        self._downtime[bank_id] = (time.monotonic() + DOWNTIME_SECONDS, verdict)
        return verdict

    def _refresh_downtime(self, bank_id: str) -> None:
        with self.session_factory() as session:
            verdict = self._ask_downtime(session, bank_id, self.utcnow())
        self._downtime[bank_id] = (time.monotonic() + DOWNTIME_SECONDS, verdict)

    def _ask_downtime(self, session: Session, bank_id: str, now: dt.datetime) -> bool:
        try:
            with unit_of_work(session):
                return bool(self.planned_downtime(session, bank_id, now))
        except Exception as exc:  # noqa: BLE001 - availability data must not fail a read
            log.warning("planned_downtime_unavailable", bank_id=bank_id,
                        error_type=type(exc).__name__)
            return False

    def _report_calls(self, outcomes: dict[str, Outcome]) -> None:
        """Tell the status package each call's result: one Redis round trip for the read, in
        production off the request thread (`report_calls`)."""
        for bank_id, outcome in outcomes.items():
            if outcome.attempts > 1:  # a bank that needed retries: worth seeing in the logs
                log.info("bank_call_retried", bank_id=bank_id, attempts=outcome.attempts,
                         status=str(outcome.status), error_type=outcome.error_type,
                         latency_ms=outcome.latency_ms)
        record = self.record_calls
        reports = [(b, o.ok, o.latency_ms or 0.0) for b, o in outcomes.items()
                   if o.status in HEALTH]
        if record is None or not reports:
            return

        def report() -> None:
            try:
                record(reports)
            except Exception as exc:  # noqa: BLE001 - measuring must not fail a read
                log.warning("record_bank_calls_failed", banks=len(reports),
                            error_type=type(exc).__name__)

        if self.report_calls is None:
            report()
        else:
            self.report_calls(report)

    @staticmethod
    def _settle(reports, bank_id, status, entries: list[Cached], error_type=None,
                retry_after=None) -> None:
        report = reports[bank_id]
        report.status, report.error_type, report.retry_after = status, error_type, retry_after
        report.accounts = [{**e.data, "AccountId": e.account_id} for e in entries]
        report.served = entries
        report.source = "cache" if entries else "none"
        report.fetched_at = min((e.fetched_at for e in entries), default=None)

    def _call(self, session, caller, cid, views, cached, reports, balances
              ) -> dict[str, Outcome]:
        if not views:
            return {}
        full = {link.bank_id: link for link in consent_service.bank_links(
            session, cid, adapters=self.consent_adapters)}
        links = [full[v.bank_id] for v in views if v.bank_id in full]
        calls = {link.bank_id: _bind(self.reader_for(link.bank_id), link, caller.psu_ip,
                                     balances) for link in links}
        outcomes = self.fanout.run(calls, Deadline(self.deadline_seconds))
        by_bank = {link.bank_id: link for link in links}
        _quiet("breaker", lambda: self.breakers.record(
            {b: HEALTH[o.status] for b, o in outcomes.items() if o.status in HEALTH}))
        writes, stamps = {}, {}
        for bank_id, outcome in outcomes.items():
            if outcome.ok:
                writes[bank_id] = self._store_live(session, cid, by_bank[bank_id], outcome,
                                                   reports[bank_id], cached[bank_id])
                stamps[bank_id] = outcome.fetched_at
            else:
                self._fail(session, cid, bank_id, outcome, cached[bank_id], reports)
        _quiet("cache", lambda: self.cache.write(cid, writes, stamps))
        return outcomes

    def _store_live(self, session, cid, link, outcome: Outcome, report: BankReport,
                    previous: list[Cached]) -> dict:
        read: BankRead = outcome.value
        if read.tokens is not None:
            consent_service.update_bank_tokens(
                session, cid, link.bank_id, access_token=read.tokens.access_token,
                refresh_token=read.tokens.refresh_token, expires_at=read.tokens.expires_at,
                adapters=self.consent_adapters)
        known = {e.account_id: e.data for e in previous}
        entries = {}
        for account in read.accounts:
            aid = self.account_id(cid, link.bank_id, account.bank_account_id)
            details = account.account or {k: v for k, v in known.get(aid, {}).items()
                                          if k != "Balances"}
            entries[aid] = {**details, "Balances": account.balances, "BankId": link.bank_id}
        report.status, report.source, report.fetched_at = Status.OK, "live", outcome.fetched_at
        report.accounts = [{**data, "AccountId": aid} for aid, data in sorted(entries.items())]
        report.served = []
        return entries

    def _fail(self, session, cid, bank_id, outcome: Outcome, entries, reports) -> None:
        if outcome.status is Status.REAUTHENTICATION_REQUIRED:
            consent_service.mark_bank_reauth_required(
                session, cid, bank_id, reason=outcome.error_type or "consent gone at bank",
                adapters=self.consent_adapters)
            _quiet("cache", lambda: self.cache.forget(cid, [bank_id]))
            _quiet("snapshot", lambda: self.snapshots.drop(cid))
            entries = []
        elif outcome.status is Status.RATE_LIMITED:
            _quiet("breaker", lambda: self.breakers.defer(
                f"{bank_id}:{cid}", outcome.retry_after or self.retry_after_default))
        self._settle(reports, bank_id, outcome.status, entries, outcome.error_type,
                     outcome.retry_after)


def _quiet(step: str, call: Callable[[], Any], default: Any = None) -> Any:
    """A Redis step that may fail: without Redis, caching, the breaker and the snapshots step
    aside (the banks are called, the database answers) instead of failing the read."""
    try:
        return call()
    except redis.RedisError as exc:
        log.warning("kv_unavailable", step=step, error_type=type(exc).__name__)
        return default


def _lines(reports, account_id: str | None) -> list[tuple[str, list[BalanceLine]]]:
    """Every served account's balance lines: parsed once per cache entry (entries are shared
    by the reads that find them), freshly for what a bank just returned."""
    lines = []
    for report in reports:
        if report.served:
            lines += [(e.account_id, e.balance_lines) for e in report.served]
        else:
            lines += balance_lines(report.accounts)
    return [line for line in lines if account_id is None or line[0] == account_id]


def _bind(reader: BankReader, link, psu_ip: str | None, balances: bool):
    def call(deadline: Deadline) -> BankRead:
        return reader(link, deadline, psu_ip=psu_ip, with_balances=balances)

    return call


def _require(granted: bool, permission: str) -> None:
    if not granted:
        raise ob_problem(f"The consent does not grant {permission}.", CONSENT_MISMATCH,
                         "Data.Permissions", slug="forbidden")
