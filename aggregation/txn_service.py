"""Transactions across every bank of a consent, one timeline. No Flask.

A read without a page cursor first brings the consent's accounts up to date (`txn_sync`),
bank by bank under the same rules as balances: banks needing re-authentication, under planned
downtime, behind an open breaker or out of unattended allowance (4 a day per consent and
account, counted apart from balances: RTS Art. 36(5) counts per data set) are not called and
are reported; a fresh sync is not repeated. Then it answers one page of the stored timeline.
A read with a cursor only pages what is stored: walking pages costs no bank call.

Every refusal is OB's: no ReadTransactions permission is 403 U008; a consent revoked or
expired is refused (and what is stored for it erased, audited).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from aggregation import txn_cursor
from aggregation.model import NOT_FOUND, Caller, ob_problem, require
from aggregation.txn_banks import BankSyncs, TxnBankReport
from aggregation.txn_codec import Entry
from aggregation.txn_cursor import Cursor, InvalidCursor, Walk
from aggregation.txn_store import TimelineQuery, TransactionStore
from aggregation.txn_sync import HISTORY_DAYS
from consent import service as consent_service
from core.db import unit_of_work
from core.errors import Problem

READS = frozenset({"ReadTransactionsBasic", "ReadTransactionsDetail"})
DIRECTIONS = {"ReadTransactionsCredits": "C", "ReadTransactionsDebits": "D"}
ENDED = ("consent-expired", "consent-revoked")
ALL = "*"


@dataclass
class TimelinePage:
    entries: list[Entry]
    total: int
    page_size: int
    detail: bool
    banks: list[TxnBankReport]
    first_available: dt.datetime | None
    last_available: dt.datetime | None
    next_page: str | None = None
    prev_page: str | None = None
    last_page: str | None = None
    accounts: dict[str, str] = field(default_factory=dict)  # AccountId -> BankId


class TransactionService:
    def __init__(self, aggregator, store: TransactionStore, banks: BankSyncs, *,
                 page_size: int = 100, cursor_key: bytes,
                 erase: Callable[[Session, str, str], int]) -> None:
        self.aggregator, self.store, self.banks = aggregator, store, banks
        self.page_size, self.cursor_key, self.erase = page_size, cursor_key, erase

    def read(self, session: Session, caller: Caller, *, account_id: str | None = None,
             booked_from: dt.datetime | None = None, booked_to: dt.datetime | None = None,
             page: str | None = None) -> TimelinePage:
        now = self.aggregator.utcnow()
        cid = caller.consent_id or ""
        consent = self._consent(session, caller, now)
        permissions = frozenset(consent.permissions)
        require(bool(permissions & READS), "ReadTransactionsBasic")
        directions = frozenset(d for p, d in DIRECTIONS.items() if p in permissions)
        require(bool(directions), "ReadTransactionsCredits")
        # a page walk reads only what is stored: no bank links (tokens) needed
        links = None if page else consent_service.bank_links(
            session, cid, adapters=self.aggregator.consent_adapters)
        owners, rows = self.banks.accounts(session, cid, links)  # AccountId -> (bank, its id)
        if account_id is not None and account_id not in owners:
            raise ob_problem("No account with this AccountId under the consent.", NOT_FOUND,
                             "AccountId", slug="not-found", status=400)
        scope = (account_id,) if account_id else tuple(sorted(owners))
        # the 24 months start at a midnight (UTC), so a listing's window is the same all day
        earliest = (now - dt.timedelta(days=HISTORY_DAYS - 1)).replace(
            hour=0, minute=0, second=0, microsecond=0)
        window_from = max(consent.transaction_from or earliest, earliest)
        window_to = consent.transaction_to
        cursor = self._cursor(page, cid, account_id or ALL) if page else None
        if cursor is None:
            reports = self.banks.sync(session, caller, links, owners, scope, rows,
                                      window_from, window_to, now)
            rows = self.banks.rows(session, cid)
            asked_from = max(window_from, booked_from) if booked_from else window_from
            asked_to = min(window_to, booked_to) if booked_to and window_to else (
                booked_to or window_to)
        else:
            reports = self.banks.stored(rows, owners, scope)
            asked_from, asked_to = cursor.booked_from, cursor.booked_to
        one = account_id is not None
        version = self.banks.version(rows)
        query = TimelineQuery(cid, scope, asked_from, asked_to, directions, one)
        result = self._page(session, query, cursor, account_id or ALL, version, now)
        result.detail = "ReadTransactionsDetail" in permissions
        result.banks = reports
        result.accounts = {a: owners[a][0] for a in scope}
        whole = TimelineQuery(cid, scope, window_from, window_to, directions, one)
        available = self.store.summary(session, whole, version, now)
        result.first_available, result.last_available = available.oldest, available.newest
        self.aggregator._audit(session, caller, cid, "transactions",
                               sorted({r.bank_id for r in reports}), now)
        return result

    def _consent(self, session: Session, caller: Caller, now: dt.datetime):
        """The AUTH consent; a consent that has ended has its stored transactions erased on
        the way to the refusal (the expiry sweep and revocation erase them too)."""
        cid = caller.consent_id or ""
        try:
            return consent_service.get_authorised_consent(session, cid, caller.client_id,
                                                          now=now)
        except Problem as refusal:
            if refusal.slug in ENDED:
                with unit_of_work(session):
                    self.erase(session, cid, refusal.slug)
            raise

    def _cursor(self, token: str, cid: str, scope: str) -> Cursor:
        try:
            cursor = txn_cursor.decode(self.cursor_key, token)
        except InvalidCursor as exc:
            raise _bad_page(str(exc)) from exc
        if cursor.consent_id != cid or cursor.scope != scope:
            raise _bad_page("page cursor belongs to another listing")
        return cursor

    def _page(self, session: Session, query: TimelineQuery, cursor: Cursor | None,
              scope: str, version: tuple, now: dt.datetime) -> TimelinePage:
        size = self.page_size
        walk, place = (cursor.walk, cursor.place) if cursor else (None, None)
        if walk is Walk.BEFORE:
            entries, newer = self.store.page(session, query, size, before=place)
            older = True
        elif walk is Walk.OLDEST:
            entries, newer = self.store.page(session, query, size, oldest=True)
            older = False
        else:
            entries, older = self.store.page(session, query, size, after=place)
            newer = walk is Walk.AFTER
        total = self.store.summary(session, query, version, now).count

        def token(walk: Walk, entry: Entry | None) -> str:
            where = (entry.transaction.booked_at, entry.account_id, entry.key) if entry else None
            return txn_cursor.encode(self.cursor_key, Cursor(
                query.consent_id, scope, query.booked_from, query.booked_to, walk, where))

        return TimelinePage(
            entries, total, size, False, [], None, None,
            next_page=token(Walk.AFTER, entries[-1]) if older and entries else None,
            prev_page=token(Walk.BEFORE, entries[0]) if newer and entries else None,
            last_page=token(Walk.OLDEST, None) if total > size else None)


def _bad_page(detail: str) -> Problem:
    return ob_problem(detail, "U002", "page", slug="bad-request", status=400)


def erase_ended(session: Session, service: TransactionService, *, limit: int | None = None,
                now: dt.datetime | None = None) -> dict[str, int]:
    """Erase what is stored for every consent that has ended by any path (a consent found
    expired by another read, say), or for the first `limit` of them, each through the audited
    erasure: {consent id: transactions erased}. The command and the retention purge run this."""
    with unit_of_work(session):
        held = service.store.consents(session)
    erased = {}
    for cid in consent_service.ended_consents(session, held, now=now)[:limit]:
        with unit_of_work(session):
            erased[cid] = service.erase(session, cid, "ended")
    return erased


def eraser(store: TransactionStore, adapters) -> Callable[[Session, str, str], int]:
    """GDPR erasure of a consent's transactions, run in the caller's unit of work (consent's
    revocation and expiry sweep call it with the status change); audited when anything was
    stored."""
    def erase(session: Session, consent_id: str, reason: str) -> int:
        transactions, accounts = store.erase(session, consent_id)
        if transactions or accounts:
            consent_service.record_erasure(
                session, consent_id, data="transactions", count=transactions,
                accounts=accounts, reason=reason, adapters=adapters)
        return transactions

    return erase
