"""Calling the banks a read could not answer without them, and keeping what they said: the
fan-out under one deadline, refreshed tokens stored, a bank-side consent gone marked for
re-authentication, the breaker told, the cache written, every bank's report settled."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis

from aggregation.bankstatus import HEALTH
from aggregation.domain import AccountRecord
from aggregation.fanout import Deadline, Outcome, Status
from aggregation.model import BankReport
from aggregation.reader import BankRead, BankReader
from consent import service as consent_service
from core.logging import get_logger

log = get_logger("aggregation.service")


class BankCalls:
    """Part of `service.Aggregator`: uses its fan-out, breakers, cache, snapshots, readers and
    consent adapters."""

    @staticmethod
    def _settle(reports, bank_id, status, entries: list[AccountRecord], error_type=None,
                retry_after=None) -> None:
        report = reports[bank_id]
        report.status, report.error_type, report.retry_after = status, error_type, retry_after
        report.accounts = entries
        report.source = "cache" if entries else "none"
        report.fetched_at = min((e.fetched_at for e in entries), default=None)

    def _call(self, session, caller, cid, views, cached, reports, balances
              ) -> dict[str, Outcome]:
        if not views:
            return {}
        full = {link.bank_id: link for link in consent_service.bank_links(
            session, cid, adapters=self.consent_adapters)}
        links = [full[v.bank_id] for v in views if v.bank_id in full]
        calls = {link.bank_id: bind(self.reader_for(link.bank_id), link, caller.psu_ip,
                                     balances) for link in links}
        outcomes = self.fanout.run(calls, Deadline(self.deadline_seconds))
        by_bank = {link.bank_id: link for link in links}
        quiet("breaker", lambda: self.breakers.record(
            {b: HEALTH[o.status] for b, o in outcomes.items() if o.status in HEALTH}))
        writes, stamps = {}, {}
        for bank_id, outcome in outcomes.items():
            if outcome.ok:
                writes[bank_id] = self._store_live(session, cid, by_bank[bank_id], outcome,
                                                   reports[bank_id], cached[bank_id])
                stamps[bank_id] = outcome.fetched_at
            else:
                self._fail(session, cid, bank_id, outcome, cached[bank_id], reports)
        quiet("cache", lambda: self.cache.write(cid, writes, stamps))
        return outcomes

    def _store_live(self, session, cid, link, outcome: Outcome, report: BankReport,
                    previous: list[AccountRecord]) -> list[AccountRecord]:
        read: BankRead = outcome.value
        if read.tokens is not None:
            consent_service.update_bank_tokens(
                session, cid, link.bank_id, access_token=read.tokens.access_token,
                refresh_token=read.tokens.refresh_token, expires_at=read.tokens.expires_at,
                adapters=self.consent_adapters)
        known = {e.account_id: e.account for e in previous}
        entries = {}
        for read_account in read.accounts:
            aid = self.account_id(cid, link.bank_id, read_account.bank_account_id)
            entries[aid] = AccountRecord(aid, link.bank_id,
                                         read_account.account or known.get(aid),
                                         read_account.balances, outcome.fetched_at)
        report.status, report.source, report.fetched_at = Status.OK, "live", outcome.fetched_at
        report.accounts = [entries[aid] for aid in sorted(entries)]
        return report.accounts

    def _fail(self, session, cid, bank_id, outcome: Outcome, entries, reports) -> None:
        if outcome.status is Status.REAUTHENTICATION_REQUIRED:
            consent_service.mark_bank_reauth_required(
                session, cid, bank_id, reason=outcome.error_type or "consent gone at bank",
                adapters=self.consent_adapters)
            quiet("cache", lambda: self.cache.forget(cid, [bank_id]))
            quiet("snapshot", lambda: self.snapshots.drop(cid))
            entries = []
        elif outcome.status is Status.RATE_LIMITED:
            quiet("breaker", lambda: self.breakers.defer(
                f"{bank_id}:{cid}", outcome.retry_after or self.retry_after_default))
        self._settle(reports, bank_id, outcome.status, entries, outcome.error_type,
                     outcome.retry_after)


def quiet(step: str, call: Callable[[], Any], default: Any = None) -> Any:
    """A Redis step that may fail: without Redis, caching, the breaker and the snapshots step
    aside (the banks are called, the database answers) instead of failing the read."""
    try:
        return call()
    except redis.RedisError as exc:
        log.warning("kv_unavailable", step=step, error_type=type(exc).__name__)
        return default


def bind(reader: BankReader, link, psu_ip: str | None, balances: bool):
    def call(deadline: Deadline) -> BankRead:
        return reader(link, deadline, psu_ip=psu_ip, with_balances=balances)

    return call
