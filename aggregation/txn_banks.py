"""Which banks a transaction read calls, and what each one's sync came to: the triage of
balances (re-authentication, planned downtime, unattended allowance, breaker) applied to
transaction syncs, one report per bank. No Flask."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregation.bankstatus import HEALTH
from aggregation.breaker import Admission, Verdict
from aggregation.calls import quiet
from aggregation.connectors.base import BankAccess
from aggregation.fanout import Deadline, Outcome, Status, default_classify
from aggregation.model import Caller, CallReport
from aggregation.models import TransactionSync
from aggregation.txn_sync import Job, Result, Syncer, plan
from consent import service as consent_service
from core.db import unit_of_work

WORST = (Status.REAUTHENTICATION_REQUIRED, Status.RATE_LIMITED, Status.ERROR, Status.TIMEOUT)


@dataclass
class TxnBankReport(CallReport):
    complete: bool = False  # every account's history read to the end of its window


class BankSyncs:
    """Part of the transaction read: uses the balance `Aggregator` for ids, breakers,
    allowance, downtime, fresh-for and consent adapters."""

    def __init__(self, aggregator, syncer: Syncer, connector_for: Callable[[str], object],
                 deadline_seconds: float = 10.0) -> None:
        self.aggregator, self.syncer, self.connector_for = aggregator, syncer, connector_for
        self.deadline_seconds = deadline_seconds

    def accounts(self, session: Session, cid: str, links: list | None
                 ) -> tuple[dict[str, tuple[str, str]], dict[str, TransactionSync]]:
        """AccountId -> (bank, the bank's account id): the PSU's chosen accounts, and those a
        sync found at a bank the PSU linked with every account (`links` None: every account
        a sync found); and the sync rows, read once for the whole request."""
        ours = self.aggregator.account_id
        found = {ours(cid, link.bank_id, a): (link.bank_id, a)
                 for link in links or () for a in link.accounts}
        linked = None if links is None else {link.bank_id for link in links}
        rows = self.rows(session, cid)
        for row in rows.values():
            if linked is None or row.bank_id in linked:
                found.setdefault(row.account_id, (row.bank_id, row.bank_account_id))
        return found, rows

    @staticmethod
    def stored(rows: dict[str, TransactionSync], owners, scope) -> list[TxnBankReport]:
        """Reports for a read that calls no bank (a page walk): what is stored, from when."""
        wanted = {owners[a][0] for a in scope}
        reports = []
        for bank_id in sorted(wanted):
            mine = [r for r in rows.values() if r.bank_id == bank_id]
            reports.append(BankSyncs._report(bank_id, Status.CACHED, mine, "cache"))
        return reports

    def sync(self, session: Session, caller: Caller, links, owners, scope, rows,
             window_from: dt.datetime, window_to: dt.datetime | None, now: dt.datetime
             ) -> list[TxnBankReport]:
        cid = caller.consent_id or ""
        by_bank: dict[str, list[str]] = {}
        for account_id in scope:
            by_bank.setdefault(owners[account_id][0], []).append(account_id)
        for bank_id in self._unlisted(links, owners):
            by_bank.setdefault(bank_id, [])
        reports, jobs = {}, []
        pending = self.syncer.store.oldest_pending(session, cid) if rows else {}
        links_of = {link.bank_id: link for link in links}
        for bank_id, accounts in sorted(by_bank.items()):
            link = links_of[bank_id]
            mine = [rows[a] for a in accounts if a in rows]
            skip = self._triage(session, caller, link, accounts, mine, now)
            if skip is not None:
                reports[bank_id] = self._report(bank_id, skip[0], mine, "cache", skip[1])
                continue
            connector = self.connector_for(bank_id)
            access = BankAccess(link.bank_consent_id or "", link.access_token or "")
            try:
                targets = [(a, owners[a][1]) for a in accounts] or self._listed(
                    cid, link, connector, access, caller)
            except Exception as exc:  # noqa: BLE001 - this bank's outcome, not the read's
                failure = default_classify(exc)
                reports[bank_id] = self._report(bank_id, failure.status, mine, "cache",
                                                failure.error_type)
                continue
            for account_id, bank_account_id in targets:
                row = rows.get(account_id)
                cursor = self.syncer.open_cursor(cid, row) if row is not None else None
                start, cursor, started = plan(row, cursor, window_from, now,
                                              pending.get(account_id))
                jobs.append(Job(bank_id, bank_account_id, account_id, connector, access, start,
                                window_to, cursor, caller.psu_ip,
                                _refresher(connector, link), started,
                                known=row is not None))
        results = self.syncer.run(session, cid, jobs, Deadline(self.deadline_seconds), now)
        self._settle(session, cid, jobs, results, reports, now)
        if any(r.written for r in results.values()):
            with unit_of_work(session):
                self.syncer.store.link_transfers(session, cid, min(j.booked_from for j in jobs))
        return [reports[b] for b in sorted(reports)]

    # -- steps ------------------------------------------------------------------------------
    @staticmethod
    def version(rows: dict[str, TransactionSync]) -> tuple:
        """What the consent's syncs have written so far (changes with every page)."""
        return tuple((r.account_id, r.pages, r.synced_at, r.state)
                     for r in sorted(rows.values(), key=lambda r: r.account_id))

    def rows(self, session, cid) -> dict[str, TransactionSync]:
        with unit_of_work(session):
            return {r.account_id: r for r in session.scalars(select(TransactionSync).where(
                TransactionSync.consent_id == cid))}

    @staticmethod
    def _unlisted(links, owners) -> set[str]:
        """Banks linked with every account (none chosen) whose accounts no sync found yet."""
        known = {bank for bank, _ in owners.values()}
        return {link.bank_id for link in links if not link.accounts and link.bank_id not in known}

    def _listed(self, cid, link, connector, access, caller) -> list[tuple[str, str]]:
        accounts = connector.list_accounts(access, psu_present=bool(caller.psu_ip),
                                           psu_ip=caller.psu_ip)
        return [(self.aggregator.account_id(cid, link.bank_id, a.account_id), a.account_id)
                for a in accounts]

    def _triage(self, session, caller: Caller, link, accounts, rows, now
                ) -> tuple[Status, str | None] | None:
        agg = self.aggregator
        fresh = now - dt.timedelta(seconds=agg.cache.fresh_seconds)
        if link.reauthentication_required:
            return Status.REAUTHENTICATION_REQUIRED, "ReauthenticationRequired"
        if rows and len(rows) == len(accounts) and all(
                r.state == "complete" and r.synced_at >= fresh for r in rows):
            return Status.CACHED, None
        if agg._under_downtime(session, link.bank_id, now):
            return Status.PLANNED_DOWNTIME, "PlannedDowntime"
        if not caller.psu_present and not quiet("allowance", lambda: agg.allowance.consume(
                f"{caller.consent_id}:transactions", accounts,
                agg.frequency_per_day(link.bank_id)), False):
            return (Status.CACHED if rows else Status.RATE_LIMITED), "DailyAllowanceExhausted"
        ask = {link.bank_id: (link.bank_id, f"{link.bank_id}:{caller.consent_id}")}
        verdict = quiet("breaker", lambda: agg.breakers.admit(ask),
                        {link.bank_id: Verdict(Admission.CLOSED)})[link.bank_id]
        if verdict.admission is Admission.WAIT:
            return Status.RATE_LIMITED, "RetryAfter"
        if verdict.admission is Admission.OPEN:
            return Status.ERROR, "CircuitOpen"
        if self.connector_for(link.bank_id) is None:
            return Status.ERROR, "UnknownBank"
        return None

    def _settle(self, session, cid, jobs: list[Job], results: dict[str, Result], reports,
                now) -> None:
        agg = self.aggregator
        outcomes = {}
        synced = self.rows(session, cid).values() if jobs else ()
        for bank_id in sorted({j.bank_id for j in jobs}):
            mine = [results[j.account_id] for j in jobs if j.bank_id == bank_id]
            status = next((s for s in WORST if any(r.status is s for r in mine)), Status.OK)
            failed = next((r for r in mine if r.status is status), mine[0])
            tokens = next((r.tokens for r in mine if r.tokens is not None), None)
            if tokens is not None:
                consent_service.update_bank_tokens(
                    session, cid, bank_id, access_token=tokens.access_token,
                    refresh_token=tokens.refresh_token, expires_at=tokens.expires_at,
                    adapters=agg.consent_adapters)
            if status is Status.REAUTHENTICATION_REQUIRED:
                consent_service.mark_bank_reauth_required(
                    session, cid, bank_id, reason=failed.error_type or "consent gone at bank",
                    adapters=agg.consent_adapters)
            rows = [r for r in synced if r.bank_id == bank_id]
            report = self._report(bank_id, status, rows, "live" if status is Status.OK
                                  else "cache", None if status is Status.OK
                                  else failed.error_type)
            report.retry_after = failed.retry_after
            reports[bank_id] = report
            outcomes[bank_id] = Outcome(bank_id, status, attempts=1)
        quiet("breaker", lambda: agg.breakers.record(
            {b: HEALTH[o.status] for b, o in outcomes.items() if o.status in HEALTH}))
        agg._report_calls(outcomes)

    @staticmethod
    def _report(bank_id, status, rows, source, error_type=None) -> TxnBankReport:
        complete = bool(rows) and all(r.state == "complete" for r in rows)
        stored = [r for r in rows if r.pages or r.state == "complete"]
        synced = min((r.synced_at for r in stored), default=None)
        return TxnBankReport(bank_id, status, source if stored else "none", synced,
                             error_type, complete=complete)


def _refresher(connector, link):
    if not link.refresh_token:
        return None
    return lambda: connector.refresh(link.refresh_token)
