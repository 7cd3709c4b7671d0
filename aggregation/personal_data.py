"""Aggregation's kinds of personal data (see core.personal_data): cached bank data — the
accounts and balances each consent's banks returned, the consent snapshot and the unattended
read counters, all in Redis, keyed by consent — and stored transactions (sealed rows in
`aggregation_transactions`, with each account's sync state).

Cached bank data never outlives its consent: erasure deletes every key of the PSU's consents,
and the retention purge deletes the keys of every consent that is no longer authorised (the
keys also expire by themselves, `keep_seconds` after their last write)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregation import txn_codec
from aggregation.cache import ALLOWANCE_PREFIX, CACHE_PREFIX, ConsentSnapshots
from aggregation.models import StoredTransaction
from aggregation.txn_service import TransactionService, erase_ended
from consent import service as consent_service
from core.personal_data import PurgeWindow, Subject


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class CachedBankData:
    kind = "cached_bank_data"
    retention_setting = None  # as long as its consent is authorised, at most keep_seconds

    def __init__(self, redis) -> None:
        self.redis = redis

    def _keys(self, consent_id: str) -> list[str]:
        keys = [CACHE_PREFIX + consent_id, ConsentSnapshots.PREFIX + consent_id]
        keys += [_text(k) for k in self.redis.scan_iter(
            match=f"{ALLOWANCE_PREFIX}{consent_id}:*", count=500)]
        return keys

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        out = []
        for consent_id in consent_service.psu_consent_ids(session, subject):
            raw = self.redis.hgetall(CACHE_PREFIX + consent_id)
            for field, value in sorted((_text(k), _text(v)) for k, v in raw.items()):
                try:
                    accounts = json.loads(value)
                except ValueError:
                    accounts = value
                out.append({"consent_id": consent_id, "bank_id": field, "accounts": accounts})
        return out

    def erase(self, session: Session, subject: Subject) -> int:
        removed = 0
        for consent_id in consent_service.psu_consent_ids(session, subject):
            removed += int(self.redis.delete(*self._keys(consent_id)))
        return removed

    def purge(self, session: Session, window: PurgeWindow) -> int:
        """Remove the keys of up to `window.batch` consents that are no longer authorised
        (or gone); return how many consents' keys went."""
        removed = 0
        chunk: set[str] = set()
        for prefix in (CACHE_PREFIX, ConsentSnapshots.PREFIX):
            for key in self.redis.scan_iter(match=prefix + "*", count=500):
                chunk.add(_text(key)[len(prefix):])
                if len(chunk) >= window.batch:
                    removed += self._drop_ended(session, chunk, window.batch - removed)
                    chunk = set()
                if removed >= window.batch:
                    return removed
        return removed + self._drop_ended(session, chunk, window.batch - removed)

    def _drop_ended(self, session: Session, consent_ids: set[str], limit: int) -> int:
        if not consent_ids or limit <= 0:
            return 0
        statuses = consent_service.consent_statuses(session, sorted(consent_ids))
        ended = [c for c in sorted(consent_ids) if statuses.get(c) != "AUTH"][:limit]
        for consent_id in ended:
            self.redis.delete(*self._keys(consent_id))
        return len(ended)


class StoredTransactions:
    """The transactions synced for the PSU's consents. They live as long as their consent:
    ending it erases them (with an audit event), and the purge catches any consent that ended
    while its erasure could not run."""

    kind = "stored_transactions"
    retention_setting = None

    def __init__(self, transactions: TransactionService) -> None:
        self.transactions = transactions
        self.store = transactions.store

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        out = []
        row_type = StoredTransaction
        for consent_id in consent_service.psu_consent_ids(session, subject):
            rows = session.scalars(select(row_type).where(row_type.consent_id == consent_id)
                                   .order_by(row_type.booked_at, row_type.account_id,
                                             row_type.key))
            for row in rows:
                tx, category = self.store.open(consent_id, row)
                out.append({"consent_id": consent_id, "bank_id": row.bank_id,
                            "account_id": row.account_id,
                            "transaction": json.loads(txn_codec.dumps(tx, category))})
        return out

    def erase(self, session: Session, subject: Subject) -> int:
        return sum(self.store.erase(session, consent_id)[0]
                   for consent_id in consent_service.psu_consent_ids(session, subject))

    def purge(self, session: Session, window: PurgeWindow) -> int:
        """Erase what is stored for up to `window.batch` consents that have ended, through the
        audited erasure the command runs; return how many consents' transactions went."""
        return len(erase_ended(session, self.transactions, limit=window.batch, now=window.now))
