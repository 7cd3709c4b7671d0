"""Consent tables. Client, PSU and bank ids are plain strings: no foreign keys into other
packages' tables, so each package migrates on its own.

`consent_events` is append-only (a PostgreSQL trigger refuses UPDATE and DELETE) and
hash-chained per consent; the consent row keeps the chain's head so truncation shows too.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, ClientOwned, UTCDateTime, one_of, utcnow

STATUSES = ("AWAU", "AUTH", "RJCT", "EXPD", "CANC")
BANK_STATUSES = ("pending", "authorised", "failed", "revoked", "reauth_required")
GENESIS_HASH = "0" * 64
BUSINESS_ROLES = ("administrator", "viewer")



class Consent(ClientOwned, Base):
    """One account-access consent of one TPP; may span several banks once authorised."""

    __tablename__ = "consents"
    __table_args__ = (one_of("status", STATUSES),)

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    client_name: Mapped[str] = mapped_column(String(200))
    psu_id: Mapped[str | None] = mapped_column(String(128), index=True)
    status: Mapped[str] = mapped_column(String(4))
    status_reason_code: Mapped[str | None] = mapped_column(String(4))
    status_reason_description: Mapped[str | None] = mapped_column(String(500))
    status_reason_path: Mapped[str | None] = mapped_column(String(500))
    permissions: Mapped[list[str]] = mapped_column(JSON)
    expiration_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    transaction_from: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    transaction_to: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    authorised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    audit_seq: Mapped[int] = mapped_column(Integer, default=0)
    audit_head: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class ConsentBank(Base):
    """The consent's link to one bank: that bank's consent id, our tokens there (encrypted),
    the accounts the PSU chose, and when SCA last happened (for the 180-day rule)."""

    __tablename__ = "consent_banks"
    __table_args__ = (
        UniqueConstraint("consent_id", "bank_id", name="uq_consent_banks_consent_bank"),
        one_of("status", BANK_STATUSES),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"), index=True)
    bank_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(24), default="pending")
    bank_consent_id: Mapped[str | None] = mapped_column(String(256))
    oauth_state: Mapped[str | None] = mapped_column(String(64), unique=True)
    flow_secrets: Mapped[str | None] = mapped_column(Text)
    access_token: Mapped[str | None] = mapped_column(Text)
    refresh_token: Mapped[str | None] = mapped_column(Text)
    token_key_id: Mapped[str | None] = mapped_column(String(64))
    token_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    accounts: Mapped[list[str]] = mapped_column(JSON, default=list)
    authorised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    failure_reason: Mapped[str | None] = mapped_column(String(200))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsentAuthorisation(Base):
    """A PSU's pass through the consent screen: which consent, who, and where to go back to
    (the authorisation server's continuation) once every chosen bank has answered."""

    __tablename__ = "consent_authorisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"), index=True)
    client_id: Mapped[str] = mapped_column(String(128))
    psu_id: Mapped[str] = mapped_column(String(128))
    return_to: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ConsentEvent(Base):
    """Append-only audit event; `hash` covers every other column and the previous hash."""

    __tablename__ = "consent_events"
    __table_args__ = (UniqueConstraint("consent_id", "seq", name="uq_consent_events_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consent_id: Mapped[str] = mapped_column(String(128), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)
    interaction_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def details_dict(self) -> dict[str, Any]:
        return json.loads(self.details)


class Business(Base):
    """A business PSU: its consents carry its id as `psu_id`; people act for it as members."""

    __tablename__ = "business_customers"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class BusinessUser(Base):
    """One person (a PSU account) acting for a business, with a role and an optional limit."""

    __tablename__ = "business_users"
    __table_args__ = (
        UniqueConstraint("business_id", "psu_id", name="uq_business_users_member"),
        one_of("role", BUSINESS_ROLES),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_id: Mapped[str] = mapped_column(ForeignKey("business_customers.id"), index=True)
    psu_id: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(16))
    max_consent_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_active_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
