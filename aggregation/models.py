"""Aggregation's tables: the transactions read from banks, and where each account's sync
stands. No foreign keys into consent's tables (each package migrates on its own); erasure
follows the consent through `aggregation.txn_store.TransactionStore.erase`.

Only what orders, filters and links the timeline is stored in the clear: our opaque ids, the
booking time, the direction and the status. Everything else (amount, names, identifiers,
remittance text, merchant) is one AES-GCM sealed JSON document per row, under the bank-token
keys (`TOKEN_ENCRYPTION_KEYS`), bound to its row by the associated data.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, one_of_sql

TRANSACTION_STATUSES = ("booked", "pending")
SYNC_STATES = ("complete", "partial")


class StoredTransaction(Base):
    """One transaction of one account under one consent. `key` is ours (an HMAC of the bank,
    the account and the bank's transaction id), so a pending entry that books later, or one a
    bank repeats across pages, lands on the same row."""

    __tablename__ = "aggregation_transactions"
    __table_args__ = (
        CheckConstraint(one_of_sql("status", TRANSACTION_STATUSES), name="status"),
        CheckConstraint(one_of_sql("direction", ("C", "D")), name="direction"),
        Index("ix_aggregation_transactions_timeline", "consent_id", "booked_at", "account_id",
              "key"),
        Index("ix_aggregation_transactions_account", "consent_id", "account_id", "booked_at",
              "key"),
        Index("ix_aggregation_transactions_transfer", "consent_id", "transfer_tag"),
        # what a sync wrote since a moment: whether a kept count still holds (txn_store)
        Index("ix_aggregation_transactions_seen", "consent_id", "seen_at"),
        # the pending entries of a consent, which every incremental sync reaches back to
        Index("ix_aggregation_transactions_pending", "consent_id", "status", "account_id",
              "booked_at"),
    )

    consent_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    bank_id: Mapped[str] = mapped_column(String(64))
    booked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(8))
    direction: Mapped[str] = mapped_column(String(1))
    transfer_tag: Mapped[str | None] = mapped_column(String(32))  # keyed hash of amount
    linked_account_id: Mapped[str | None] = mapped_column(String(40))
    linked_key: Mapped[str | None] = mapped_column(String(40))
    sealed: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class TransactionSync(Base):
    """Where one account's history stands: the window read so far, and, when the last sync
    broke off, the bank's cursor to resume from (sealed: a bank link may carry anything)."""

    __tablename__ = "aggregation_transaction_syncs"
    __table_args__ = (CheckConstraint(one_of_sql("state", SYNC_STATES), name="state"),)

    consent_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    bank_id: Mapped[str] = mapped_column(String(64))
    bank_account_id: Mapped[str] = mapped_column(String(256))
    state: Mapped[str] = mapped_column(String(8))
    window_from: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    high_water: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resume_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resume_cursor: Mapped[str | None] = mapped_column(Text)
    key_id: Mapped[str | None] = mapped_column(String(64))
    error_type: Mapped[str | None] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    synced_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
