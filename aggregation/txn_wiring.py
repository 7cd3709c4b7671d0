"""The transaction read as a running app builds it: the store sealed under the bank-token
keys, the syncer on the bank-call pool, the bank connectors of the registry, and the erasure
consent runs when a consent ends."""

from __future__ import annotations

import hashlib
import hmac

from aggregation import enrichment
from aggregation.fanout import FanOut
from aggregation.registry import RegistryError
from aggregation.txn_banks import BankSyncs
from aggregation.txn_service import TransactionService, eraser
from aggregation.txn_store import TransactionStore
from aggregation.txn_sync import Syncer
from consent.crypto import Sealed, TokenCipher


class CipherSealer:
    """`txn_store.Sealer` over consent's bank-token cipher (same keys, same rotation)."""

    def __init__(self, cipher: TokenCipher) -> None:
        self.cipher = cipher

    def seal(self, plaintext: str, context: str) -> tuple[str, str]:
        sealed = self.cipher.seal(plaintext, context)
        return sealed.key_id, sealed.ciphertext

    def seal_many(self, items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(s.key_id, s.ciphertext) for s in self.cipher.seal_many(items)]

    def open(self, key_id: str, ciphertext: str, context: str) -> str:
        return self.cipher.open(Sealed(key_id, ciphertext), context)


def derive(key: bytes, purpose: str) -> bytes:
    return hmac.new(key, purpose.encode(), hashlib.sha256).digest()


def build_transactions(app, aggregator) -> TransactionService:
    config = app.config
    adapters = aggregator.consent_adapters
    sealer = CipherSealer(adapters.cipher)
    store = TransactionStore(sealer, derive(aggregator.id_key, "transaction-ids"))

    def seal_cursor(cid: str, account_id: str, cursor: str | None):
        return sealer.seal(cursor, f"txn-cursor|{cid}|{account_id}") if cursor else (None, None)

    def open_cursor(cid: str, row) -> str | None:
        if not row.resume_cursor:
            return None
        return sealer.open(row.key_id or "", row.resume_cursor,
                           f"txn-cursor|{cid}|{row.account_id}")

    pool = FanOut(config["AGGREGATION_MAX_WORKERS"])
    syncer = Syncer(store, _Pool(pool), enrichment.categorise, open_cursor, seal_cursor)
    banks = BankSyncs(aggregator, syncer, _connectors(app),
                      deadline_seconds=config["AGGREGATION_TRANSACTIONS_DEADLINE_SECONDS"])
    erase = eraser(store, adapters)
    adapters.on_end.append(erase)
    return TransactionService(aggregator, store, banks,
                              page_size=config["AGGREGATION_TRANSACTIONS_PAGE_SIZE"],
                              cursor_key=derive(aggregator.id_key, "transaction-cursors"),
                              erase=erase)


class _Pool:
    """The syncer's threads, made on first use (per forked worker)."""

    def __init__(self, fanout: FanOut) -> None:
        self.fanout = fanout

    def submit(self, fn, *args):
        return self.fanout.pool.submit(fn, *args)

    def shutdown(self) -> None:
        self.fanout.shutdown()


def _connectors(app):
    """bank id -> its connector (None for a bank the registry does not know);
    `app.extensions["bank_connectors"]` (a dict) overrides per bank, for tests and demos."""
    def connector_for(bank_id: str):
        override = app.extensions.get("bank_connectors", {}).get(bank_id)
        if override is not None:
            return override
        try:
            return app.extensions["banks"].connector(bank_id)
        except RegistryError:
            return None

    return connector_for
