"""The holder directory: participating banks and their accounts, plus the check audit and
bulk jobs.

Sized for tens of millions of accounts on PostgreSQL: an account is one row, its holder and
trading names inside it (JSON), so answering a check is one primary-key-like lookup on a unique
index — `(sort_code, account_number)` for UK CoP, `iban` for EU VoP — and no join. Client ids
are plain strings (no foreign keys into other packages' tables).

The audit keeps no names and no account numbers: keyed hashes (HMAC-SHA256 under
`AUDIT_HASH_KEY`) let an investigator confirm "was this name checked against this account"
without the table disclosing either.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, ClientOwned, UTCDateTime, one_of, utcnow

HOLDER_TYPES = ("personal", "business")
JOB_STATUSES = ("pending", "running", "done", "failed")
# BigInteger ids on PostgreSQL; SQLite only autoincrements a plain INTEGER primary key.
BigId = BigInteger().with_variant(Integer(), "sqlite")



class ParticipatingBank(Base):
    """A bank whose account holders are in the directory, maintained by one ASPSP client."""

    __tablename__ = "cop_banks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(140))
    bic: Mapped[str] = mapped_column(String(11), unique=True)
    owner_client_id: Mapped[str | None] = mapped_column(String(128), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RequestingPsp(ClientOwned, Base):
    """A BIC that a TPP client may send as `requestingAgent` in EU VoP requests: this
    service's counterpart of the EPC Directory Service entry of a requesting PSP."""

    __tablename__ = "cop_requesting_psps"

    bic: Mapped[str] = mapped_column(String(11), primary_key=True)  # BIC11
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class SortCodeRange(Base):
    """Sort codes a bank answers for, inclusive; read only when an account is not found."""

    __tablename__ = "cop_sort_code_ranges"
    __table_args__ = (
        CheckConstraint("first_sort_code <= last_sort_code", name="ordered"),
        Index("ix_cop_sort_code_ranges_first_last", "first_sort_code", "last_sort_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("cop_banks.id", ondelete="CASCADE"),
                                         index=True)
    first_sort_code: Mapped[str] = mapped_column(String(6))
    last_sort_code: Mapped[str] = mapped_column(String(6))


class DirectoryAccount(Base):
    """One account: its identifiers, holders and the flags that stop a name check."""

    __tablename__ = "cop_accounts"
    __table_args__ = (
        UniqueConstraint("sort_code", "account_number", name="uq_cop_accounts_scan"),
        UniqueConstraint("iban", name="uq_cop_accounts_iban"),
        one_of("holder_type", HOLDER_TYPES),
        CheckConstraint("iban IS NOT NULL OR (sort_code IS NOT NULL AND account_number IS NOT "
                        "NULL)", name="identified"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    bank_id: Mapped[int] = mapped_column(ForeignKey("cop_banks.id", ondelete="CASCADE"),
                                         index=True)
    sort_code: Mapped[str | None] = mapped_column(String(6))
    account_number: Mapped[str | None] = mapped_column(String(8))
    iban: Mapped[str | None] = mapped_column(String(34))
    secondary_reference: Mapped[str | None] = mapped_column(String(18))
    holder_type: Mapped[str] = mapped_column(String(8))
    holder_names: Mapped[list[str]] = mapped_column(JSON)
    trading_names: Mapped[list[str]] = mapped_column(JSON, default=list)
    organisation_ids: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    switched: Mapped[bool] = mapped_column(Boolean, default=False)
    supports_checks: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                    onupdate=utcnow)


class CheckAudit(ClientOwned, Base):
    """One answered check: who asked, what was answered, keyed hashes instead of data."""

    __tablename__ = "cop_check_audit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    scheme: Mapped[str] = mapped_column(String(2))
    request_id: Mapped[str | None] = mapped_column(String(64))
    account_hash: Mapped[str] = mapped_column(String(64), index=True)
    name_hash: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(32))
    reason_code: Mapped[str | None] = mapped_column(String(4))
    rule: Mapped[str | None] = mapped_column(String(40))
    name_disclosed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class BulkJob(ClientOwned, Base):
    """A batch too large to answer in one response: checked in the background, polled."""

    __tablename__ = "cop_bulk_jobs"
    __table_args__ = (one_of("status", JOB_STATUSES),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(2))
    status: Mapped[str] = mapped_column(String(8), default="pending")
    total: Mapped[int] = mapped_column(Integer)
    items: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    results: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Until when the worker that queued or runs the job answers for it. A pending or running
    # job past its lease lost its worker (restart, crash) and is run again by whoever claims it.
    lease_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    lease_holder: Mapped[str | None] = mapped_column(String(36))  # the run that claimed it


class BulkJobChunk(Base):
    """The answers of one chunk of a running job, committed with that chunk's audit rows: a
    run that takes a job over resumes after the last committed chunk, so every payee is
    checked and audited exactly once. Folded into the job's results when it finishes."""

    __tablename__ = "cop_bulk_job_chunks"

    job_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("cop_bulk_jobs.id", ondelete="CASCADE"), primary_key=True)
    start: Mapped[int] = mapped_column(Integer, primary_key=True)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
