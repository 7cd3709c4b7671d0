"""Tables of TPP identity (eIDAS certificates, software statements) and regulator registers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class TppIdentity(Base):
    """Who a registered client is, as its eIDAS certificate and software statement say, and
    whether its regulator still authorises it (`status`: active | withdrawn)."""

    __tablename__ = "tpp_identities"
    __table_args__ = (Index("ix_tpp_identities_register_key", "register_key"),)

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization_identifier: Mapped[str] = mapped_column(String(200))
    # organizationIdentifier normalised to match register entries (auth.registers.register_key)
    register_key: Mapped[str] = mapped_column(String(200))
    nca_id: Mapped[str | None] = mapped_column(String(20), nullable=True)
    psd2_roles: Mapped[list[str]] = mapped_column(JSON)
    software_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    directory_org_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    cert_thumbprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # the QWAC last seen (at registration, then at client authentication): for expiry warnings
    cert_subject: Mapped[str | None] = mapped_column(String(500), nullable=True)
    cert_serial: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cert_not_after: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(20), default="active")
    status_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    register_checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegisterEntry(Base):
    """One institution as its regulator's register lists it, by normalised PSD2 identifier."""

    __tablename__ = "register_entries"

    register_key: Mapped[str] = mapped_column(String(200), primary_key=True)
    source: Mapped[str] = mapped_column(String(10))          # eba | fca
    authority: Mapped[str] = mapped_column(String(20))       # e.g. GB-FCA, DE-BAFIN
    name: Mapped[str] = mapped_column(String(500))
    psd2_roles: Mapped[list[str]] = mapped_column(JSON)
    authorised: Mapped[bool] = mapped_column(default=True)
    import_id: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RegisterImport(Base):
    """One run of `flask registers import`: when, what file, which authorities it covered."""

    __tablename__ = "register_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(10))
    file_name: Mapped[str] = mapped_column(String(500))
    authorities: Mapped[list[str]] = mapped_column(JSON, default=list)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    cut_off: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TppIdentityEvent(Base):
    """Audit trail of a TPP's regulatory standing: registered, cut off, reinstated; the
    operator webhook's delivery is recorded on the row."""

    __tablename__ = "tpp_identity_events"
    __table_args__ = (Index("ix_tpp_identity_events_client_id", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(30))
    detail: Mapped[dict] = mapped_column(JSON)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    webhook_delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
