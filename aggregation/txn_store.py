"""Transactions at rest: sealed rows, one timeline read by keyset, each account's sync state,
erasure. Runs inside the caller's unit of work (`core.db.unit_of_work`); no Flask.

Why keyset pagination: a page is "the next N after this (booking time, account, key)", so
transactions that arrive meanwhile (newer, at the top) never shift a page a TPP is walking,
and a deep page costs what the first costs (one index range scan), unlike OFFSET.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import and_, bindparam, delete, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from aggregation import txn_codec
from aggregation.models import StoredTransaction as T
from aggregation.models import TransactionSync
from aggregation.transaction import Transaction, TransactionStatus
from aggregation.txn_codec import Entry
from aggregation.txn_counts import Counts, Tally

TRANSFER_FAMILIES = frozenset({"ICDT", "RCDT"})  # ISO 20022 issued / received credit transfers
TRANSFER_DAYS = 3
TRANSFER_WINDOW = dt.timedelta(days=TRANSFER_DAYS)
ENTRY_COLUMNS = (T.account_id, T.key, T.bank_id, T.sealed, T.key_id, T.linked_account_id,
                 T.linked_key)
Position = tuple[dt.datetime, str, str]  # (booked_at, account_id, key): one timeline place


@dataclass(frozen=True)
class TimelineQuery:
    consent_id: str
    account_ids: tuple[str, ...]  # the accounts asked for, all under the consent
    booked_from: dt.datetime | None
    booked_to: dt.datetime | None
    directions: frozenset[str]  # "C", "D": what the consent's permissions let through
    one_account: bool = False  # the listing of one account, not the consent's timeline


class TransactionStore:
    def __init__(self, sealer: Sealer, key: bytes) -> None:
        self.sealer = sealer  # under the bank-token keys
        self.key = key
        self.counts = Counts(self._where)

    # -- identity ---------------------------------------------------------------------------
    def key_for(self, bank_id: str, bank_account_id: str, tx: Transaction) -> str:
        """Ours, stable, opaque. From the bank's id when it gives one (so pending -> booked
        and a repeat across pages are one row); else from what the entry says."""
        if tx.transaction_id:
            basis = f"id\x1f{tx.transaction_id}"
        else:
            basis = "\x1f".join(str(part) for part in (
                "content", tx.status.value, tx.booked_at.isoformat(), tx.amount.amount,
                tx.amount.currency, tx.counterparty_name, tx.remittance, tx.reference))
        message = f"{bank_id}\x1f{bank_account_id}\x1f{basis}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()[:32]

    @staticmethod
    def _context(consent_id: str, account_id: str, key: str) -> str:
        return f"txn|{consent_id}|{account_id}|{key}"

    # -- writing ----------------------------------------------------------------------------
    def write(self, session: Session, consent_id: str, account_id: str, bank_id: str,
              keyed: Iterable[tuple[str, Transaction]], now: dt.datetime,
              categorise: Callable[[Transaction], str | None], *, known: bool = False) -> int:
        """Upsert one page; returns the entries written. Within a page a key seen twice keeps
        its booked form. The page is sealed in one batch and written in one statement batch
        (executemany). `known`: the account has a stored history, so entries it already holds
        booked are left as they are (a booked entry is immutable): a later sync lists days it
        has stored, and rewriting them cost a seal and a row each for nothing new."""
        chosen: dict[str, Transaction] = {}
        for key, tx in keyed:
            if key in chosen and chosen[key].status is TransactionStatus.BOOKED and \
                    tx.status is not TransactionStatus.BOOKED:
                continue
            chosen[key] = tx
        if known and chosen:
            for key in session.scalars(select(T.key).where(
                    T.consent_id == consent_id, T.account_id == account_id,
                    T.key.in_(list(chosen)), T.status == TransactionStatus.BOOKED.value)):
                del chosen[key]
        sealed = self.sealer.seal_many([
            (txn_codec.dumps(tx, categorise(tx)), self._context(consent_id, account_id, key))
            for key, tx in chosen.items()])
        rows = {key: {"consent_id": consent_id, "account_id": account_id, "key": key,
                      "bank_id": bank_id, "booked_at": tx.booked_at, "status": tx.status.value,
                      "direction": tx.credit_debit.value[0].upper(), "sealed": ciphertext,
                      "key_id": key_id, "seen_at": now, "transfer_tag": self.transfer_tag(tx)}
                for (key, tx), (key_id, ciphertext) in zip(chosen.items(), sealed, strict=True)}
        if not rows:
            return 0
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(T)
        changed = {c: getattr(statement.excluded, c) for c in (
            "booked_at", "status", "direction", "sealed", "key_id", "seen_at", "transfer_tag")}
        # executemany: one cached statement, sent in batches ("insertmanyvalues")
        session.execute(statement.on_conflict_do_update(
            index_elements=["consent_id", "account_id", "key"], set_=changed),
            list(rows.values()))
        return len(rows)

    def drop_vanished_pending(self, session: Session, consent_id: str, account_id: str,
                              since: dt.datetime, run_started: dt.datetime) -> int:
        """After a complete sync from `since`: a pending entry the bank no longer lists was
        cancelled or booked under another id; keeping it would count it twice."""
        result = session.execute(delete(T).where(
            T.consent_id == consent_id, T.account_id == account_id, T.status == "pending",
            T.booked_at >= since, T.seen_at < run_started))
        return result.rowcount or 0

    def oldest_pending(self, session: Session, consent_id: str) -> dict[str, dt.datetime]:
        """Per account, the booking time of its oldest entry still pending."""
        return dict(session.execute(select(T.account_id, func.min(T.booked_at)).where(
            T.consent_id == consent_id, T.status == "pending").group_by(T.account_id)).all())

    def consents(self, session: Session) -> list[str]:
        """Every consent with something stored."""
        held = select(TransactionSync.consent_id).union(select(T.consent_id))
        return sorted(session.scalars(held))

    def erase(self, session: Session, consent_id: str) -> tuple[int, int]:
        """Every stored transaction and sync state of the consent: (transactions, accounts)."""
        accounts = session.execute(delete(TransactionSync).where(
            TransactionSync.consent_id == consent_id)).rowcount or 0
        return session.execute(delete(T).where(
            T.consent_id == consent_id)).rowcount or 0, accounts

    # -- the timeline -----------------------------------------------------------------------
    @staticmethod
    def _where(query: TimelineQuery) -> list:
        """Only the conditions that narrow: every stored row of a consent is one of its
        accounts, and both directions need no filter (so the timeline index serves alone)."""
        clauses = [T.consent_id == query.consent_id]
        if query.one_account:
            clauses.append(T.account_id == query.account_ids[0])
        elif not query.account_ids:
            clauses.append(T.account_id.in_(()))
        if len(query.directions) < 2:
            clauses.append(T.direction.in_(sorted(query.directions)))
        if query.booked_from is not None:
            clauses.append(T.booked_at >= query.booked_from)
        if query.booked_to is not None:
            clauses.append(T.booked_at <= query.booked_to)
        return clauses

    def page(self, session: Session, query: TimelineQuery, size: int, *,
             after: Position | None = None, before: Position | None = None,
             oldest: bool = False) -> tuple[list[Entry], bool]:
        """Newest first. `after`: the next `size` older than a place; `before`: the `size`
        newer than it; `oldest`: the last page. Returns the entries and whether more lie
        beyond them in the direction walked."""
        place = tuple_(T.booked_at, T.account_id, T.key)
        clauses = self._where(query)
        ascending = before is not None or oldest
        if after is not None:
            clauses.append(place < tuple_(*after))
        if before is not None:
            clauses.append(place > tuple_(*before))
        order = (T.booked_at, T.account_id, T.key)
        # the columns, not the entities: a page is read, never changed (no identity map)
        statement = select(*ENTRY_COLUMNS).where(and_(*clauses)).order_by(
            *(c.asc() if ascending else c.desc() for c in order)).limit(size + 1)
        rows = list(session.execute(statement))
        more = len(rows) > size
        rows = rows[:size]
        if ascending:
            rows.reverse()
        return [self._entry(query.consent_id, row) for row in rows], more

    def _entry(self, consent_id: str, row) -> Entry:
        tx, category = self.open(consent_id, row)
        return Entry(row.account_id, row.key, row.bank_id, tx, category,
                     row.linked_account_id, row.linked_key)

    def summary(self, session: Session, query: TimelineQuery, version: Hashable,
                now: dt.datetime) -> Tally:
        """(entries, oldest, newest booking) of a listing: see `txn_counts.Counts`."""
        return self.counts.summary(session, query, version, now)

    # -- linking ----------------------------------------------------------------------------
    def transfer_tag(self, tx: Transaction) -> str | None:
        """A keyed hash of currency and amount for entries that may be one leg of a transfer
        between the customer's own accounts (booked, no merchant, a credit-transfer code or
        none), so legs are matched in SQL without storing amounts in the clear."""
        code = tx.bank_transaction_code
        if tx.merchant_category_code or tx.status is not TransactionStatus.BOOKED or (
                code is not None and code.family.upper() not in TRANSFER_FAMILIES):
            return None
        basis = f"transfer\x1f{tx.amount.currency}\x1f{abs(tx.amount.amount).normalize()}"
        return hmac.new(self.key, basis.encode(), hashlib.sha256).hexdigest()[:32]

    def link_transfers(self, session: Session, consent_id: str, since: dt.datetime) -> int:
        """Pair unlinked debits and credits of one amount in two accounts of the consent,
        booked at most `TRANSFER_DAYS` apart, closest first, each entry at most once; both
        legs then name each other. Returns the pairs made.

        Only legs booked from `since` less the window can pair with what a sync wrote from
        `since`: both sides are bounded by time (a credit at most one window before its
        debit), so an incremental sync reads the last days, not the whole history, and the
        links are written in one batch."""
        # the candidates in one read of the transfer index, paired here by tag: a self-join
        # left the plan to the database, and SQLite without statistics could walk every
        # credit of the consent for each debit
        legs: dict[str, tuple[list, list]] = {}
        for account, key, at, direction, tag in session.execute(select(
                T.account_id, T.key, T.booked_at, T.direction, T.transfer_tag).where(
                T.consent_id == consent_id, T.transfer_tag.is_not(None),
                T.linked_key.is_(None), T.booked_at >= since - 2 * TRANSFER_WINDOW)):
            debits, credits = legs.setdefault(tag, ([], []))
            if direction == "C":
                credits.append((account, key, at))
            elif at >= since - TRANSFER_WINDOW:
                debits.append((account, key, at))
        found = [(d_acc, d_key, d_at, c_acc, c_key, c_at)
                 for debits, credits in legs.values()
                 for d_acc, d_key, d_at in debits for c_acc, c_key, c_at in credits
                 if c_acc != d_acc]
        close = sorted((abs(c_at - d_at), (d_acc, d_key), (c_acc, c_key))
                       for d_acc, d_key, d_at, c_acc, c_key, c_at in found
                       if abs(c_at - d_at) <= TRANSFER_WINDOW)
        used: set[tuple[str, str]] = set()
        links = []
        for _, one, other in close:
            if one in used or other in used:
                continue
            used |= {one, other}
            for (account, key), (peer_account, peer_key) in ((one, other), (other, one)):
                links.append({"row_consent": consent_id, "row_account": account, "row_key": key,
                              "peer_account": peer_account, "peer_key": peer_key})
        if links:  # executemany: one statement, every pair in one batch
            table = T.__table__
            session.connection().execute(update(table).where(
                table.c.consent_id == bindparam("row_consent"),
                table.c.account_id == bindparam("row_account"),
                table.c.key == bindparam("row_key")).values(
                linked_account_id=bindparam("peer_account"),
                linked_key=bindparam("peer_key")), links)
        return len(links) // 2

    def open(self, consent_id: str, row: T) -> tuple[Transaction, str | None]:
        text = self.sealer.open(row.key_id, row.sealed,
                                self._context(consent_id, row.account_id, row.key))
        return txn_codec.loads(row.account_id, text)


class Sealer(Protocol):
    """Authenticated encryption bound to a context (consent's bank-token cipher, adapted in
    `aggregation.wiring`): `seal` returns (key id, ciphertext)."""

    def seal(self, plaintext: str, context: str) -> tuple[str, str]: ...

    def seal_many(self, items: list[tuple[str, str]]) -> list[tuple[str, str]]: ...

    def open(self, key_id: str, ciphertext: str, context: str) -> str: ...
