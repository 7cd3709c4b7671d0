"""Status tables: notices with their targets and timeline, webhook subscriptions, the event
outbox with one delivery row per subscriber, and daily availability figures.

Client and bank ids are plain strings (no foreign keys into other packages), so this package
migrates on its own branch.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, one_of, utcnow

KINDS = ("planned", "unplanned")
STATUSES = ("scheduled", "in_progress", "completed", "cancelled")
SEVERITIES = ("minor", "major", "critical")
SOURCES = ("operator", "automatic")
TARGET_KINDS = ("component", "bank")
DELIVERY_STATUSES = ("pending", "delivered", "failed", "cancelled")



class Notice(Base):
    """One planned maintenance or unplanned incident. `starts_at`/`ends_at` are the announced
    window (for an incident: detection and the estimated end); `started_at`/`completed_at`
    what really happened."""

    __tablename__ = "status_notices"
    __table_args__ = (
        one_of("kind", KINDS),
        one_of("status", STATUSES),
        one_of("severity", SEVERITIES),
        one_of("source", SOURCES),
        sa.Index("ix_status_notices_starts_at", "starts_at"),
    )

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    severity: Mapped[str] = mapped_column(sa.String(16))
    source: Mapped[str] = mapped_column(sa.String(16), default="operator")
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(sa.String(200))
    version: Mapped[int] = mapped_column(sa.Integer)

    targets: Mapped[list[NoticeTarget]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", lazy="selectin",
        order_by="(NoticeTarget.kind.desc(), NoticeTarget.ref)")
    updates: Mapped[list[NoticeUpdate]] = relationship(
        back_populates="notice", cascade="all, delete-orphan", lazy="selectin",
        order_by="NoticeUpdate.id")

    # Two operators editing at once: the second gets a conflict, not a silent overwrite.
    __mapper_args__ = {"version_id_col": version}

    @property
    def components(self) -> list[str]:
        return [t.ref for t in self.targets if t.kind == "component"]

    @property
    def banks(self) -> list[str]:
        return [t.ref for t in self.targets if t.kind == "bank"]


class NoticeTarget(Base):
    """One component or bank a notice affects; a row each so lists filter in SQL."""

    __tablename__ = "status_notice_targets"
    __table_args__ = (one_of("kind", TARGET_KINDS),)

    notice_id: Mapped[str] = mapped_column(sa.ForeignKey("status_notices.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    ref: Mapped[str] = mapped_column(sa.String(64), primary_key=True, index=True)

    notice: Mapped[Notice] = relationship(back_populates="targets")


class NoticeUpdate(Base):
    """One entry of a notice's public timeline."""

    __tablename__ = "status_notice_updates"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    notice_id: Mapped[str] = mapped_column(sa.ForeignKey("status_notices.id"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(16))
    body: Mapped[str] = mapped_column(sa.Text)
    author: Mapped[str] = mapped_column(sa.String(200))

    notice: Mapped[Notice] = relationship(back_populates="updates")


class Subscription(Base):
    """A TPP's webhook. `secret` signs deliveries (HMAC-SHA256); it is shown once, at creation."""

    __tablename__ = "status_subscriptions"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(128), index=True)
    client_name: Mapped[str] = mapped_column(sa.String(200))
    url: Mapped[str] = mapped_column(sa.Text)
    events: Mapped[list[str]] = mapped_column(sa.JSON)
    secret: Mapped[str] = mapped_column(sa.String(80))
    active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Event(Base):
    """The outbox: one row per event, written in the transaction of the change it reports.
    `payload` is the exact JSON text every subscriber receives and the signature covers."""

    __tablename__ = "status_events"

    id: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(40), index=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    payload: Mapped[str] = mapped_column(sa.Text)


class Delivery(Base):
    """One event to one subscription: attempts, the next try, and the last result."""

    __tablename__ = "status_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "subscription_id", name="uq_status_deliveries_event_sub"),
        one_of("status", DELIVERY_STATUSES),
        sa.Index("ix_status_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.ForeignKey("status_events.id"), index=True)
    subscription_id: Mapped[str] = mapped_column(sa.ForeignKey("status_subscriptions.id"),
                                                 index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default="pending")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship(lazy="joined")


class DailyFigures(Base):
    """Measured traffic of one target (`api:<component>` or `bank:<id>`) on one UTC day:
    request and failure counts, a latency histogram, and the minutes that counted as down."""

    __tablename__ = "status_daily_figures"

    target: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, primary_key=True)
    requests: Mapped[int] = mapped_column(sa.Integer, default=0)
    failures: Mapped[int] = mapped_column(sa.Integer, default=0)
    latency_sum_ms: Mapped[float] = mapped_column(sa.Float, default=0.0)
    histogram: Mapped[list[int]] = mapped_column(sa.JSON)
    failing_minutes: Mapped[list[int]] = mapped_column(sa.JSON)
