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
from collections.abc import Callable
from typing import Any

import redis
from sqlalchemy.orm import Session

from aggregation.bankstatus import StatusExchange
from aggregation.breaker import Admission, BankBreakers, Verdict
from aggregation.cache import Allowance, BalanceCache, ConsentSnapshots
from aggregation.calls import BankCalls, quiet
from aggregation.domain import AccountRecord
from aggregation.fanout import FanOut, Status
from aggregation.model import (
    NOT_FOUND,
    Aggregate,
    BankReport,
    Caller,
    ConsentView,
    LinkView,
    ob_problem,
    require,
)
from aggregation.reader import BankReader
from consent import service as consent_service
from consent.ports import Adapters
from core.logging import get_logger

READ_BALANCES = "ReadBalances"
# the outcomes a read decides from the consent snapshot and the cache alone
FROM_SNAPSHOT_AND_CACHE = frozenset({Status.CACHED, Status.REAUTHENTICATION_REQUIRED})
ACCOUNT_PERMISSIONS = frozenset({"ReadAccountsBasic", "ReadAccountsDetail"})

log = get_logger("aggregation.service")


class Aggregator(StatusExchange, BankCalls):
    """The use case, with its adapters injected (Redis-backed parts, readers, clocks)."""

    def __init__(self, *, fanout: FanOut, breakers: BankBreakers, cache: BalanceCache,
                 allowance: Allowance, reader_for: Callable[[str], BankReader | None],
                 snapshots: ConsentSnapshots,
                 consent_adapters: Adapters, id_key: bytes, deadline_seconds: float = 2.0,
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
        consent, cached, version = self._consent_and_cache(session, caller, now)
        permissions = consent.permissions
        if balances:
            require(READ_BALANCES in permissions, READ_BALANCES)
        else:
            require(bool(permissions & ACCOUNT_PERMISSIONS), "ReadAccountsBasic")
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
                    if account_id is None or a.account_id == account_id]
        self._audit(session, caller, cid, "balances" if balances else "accounts",
                    sorted(reports), now)
        self._report_calls(outcomes)  # last: its thread competes with this one for the GIL
        # from the snapshot and the cache alone: nothing else decided what is served
        settled = version is not None and not to_call and all(
            r.status in FROM_SNAPSHOT_AND_CACHE for r in reports.values())
        return Aggregate(accounts, [reports[b] for b in sorted(reports)],
                         detail="ReadAccountsDetail" in permissions, with_totals=balances,
                         version=(version, balances, account_id) if settled else None)

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
                           ) -> tuple[ConsentView, dict[str, list[AccountRecord]], tuple | None]:
        """The consent, its banks' cache entries (bank -> entries; a bank without any has
        an empty list), read together in one round trip, and their version (None when the
        consent did not come from its snapshot)."""
        cid = caller.consent_id or ""
        data, found, version = quiet("snapshot", lambda: self.snapshots.get_with_cache(
            cid, self.cache, now), (None, None, None))
        consent, from_snapshot = self._consent(session, caller, now, data)
        if found is None:  # the snapshot step failed: the cache may still answer
            found = quiet("cache", lambda: self.cache.read(cid, now), {})
        if not from_snapshot:
            version = None
        return (consent, {link.bank_id: found.get(link.bank_id, []) for link in consent.links},
                version)

    def _consent(self, session: Session, caller: Caller, now: dt.datetime,
                 data: dict[str, Any] | None) -> tuple[ConsentView, bool]:
        """The consent from its snapshot when one is fresh and still unexpired, else from the
        consent service (which refuses it with the OB code unless it is AUTH); and whether it
        came from the snapshot."""
        cid = caller.consent_id or ""
        if data is not None:
            view = ConsentView.from_json(cid, data)
            if view.client_id == caller.client_id and (
                    view.expiration_at is None or now < view.expiration_at):
                return view, True
        consent = consent_service.get_authorised_consent(session, cid, caller.client_id)
        links = consent_service.bank_links(session, cid, adapters=self.consent_adapters)
        view = ConsentView(cid, consent.client_id, frozenset(consent.permissions),
                           consent.expiration_at,
                           tuple(LinkView(link.bank_id, tuple(link.accounts),
                                          link.reauthentication_required) for link in links))
        quiet("snapshot", lambda: self.snapshots.put(cid, view.to_json()))
        return view, False

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
            usable = [e for e in entries
                      if (e.balances if balances else e.account) is not None]
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
                if quiet("allowance", lambda ids=ids, limit=limit: self.allowance.consume(
                        caller.consent_id, ids, limit), False):
                    allowed.append((link, usable))
                else:
                    self._settle(reports, link.bank_id,
                                 Status.CACHED if usable else Status.RATE_LIMITED, usable,
                                 "DailyAllowanceExhausted")
            pending = allowed
        asks = {link.bank_id: (link.bank_id, f"{link.bank_id}:{caller.consent_id}")
                for link, _ in pending}
        verdicts = quiet("breaker", lambda: self.breakers.admit(asks),
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
