"""Status: downtime notices, their targets and timeline, webhook subscriptions, the event
outbox and its deliveries, and daily availability figures.

Revision ID: 0004_status
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision: str = "0004_status"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("status",)
depends_on: str | Sequence[str] | None = "0001_foundation"


def upgrade() -> None:
    op.create_table(
        "status_daily_figures",
        sa.Column("target", sa.String(length=80), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("latency_sum_ms", sa.Float(), nullable=False),
        sa.Column("histogram", sa.JSON(), nullable=False),
        sa.Column("failing_minutes", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("target", "day", name=op.f("pk_status_daily_figures")),
    )
    op.create_table(
        "status_events",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_events")),
    )
    op.create_index(op.f("ix_status_events_type"), "status_events", ["type"], unique=False)
    op.create_table(
        "status_notices",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("starts_at", UTCDateTime(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('planned', 'unplanned')", name=op.f("ck_status_notices_kind")),
        sa.CheckConstraint(
            "severity IN ('minor', 'major', 'critical')", name=op.f("ck_status_notices_severity")
        ),
        sa.CheckConstraint(
            "source IN ('operator', 'automatic')", name=op.f("ck_status_notices_source")
        ),
        sa.CheckConstraint(
            "status IN ('scheduled', 'in_progress', 'completed', 'cancelled')",
            name=op.f("ck_status_notices_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_notices")),
    )
    op.create_index("ix_status_notices_starts_at", "status_notices", ["starts_at"], unique=False)
    op.create_index(op.f("ix_status_notices_status"), "status_notices", ["status"], unique=False)
    op.create_table(
        "status_subscriptions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("client_name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("events", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(length=80), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_subscriptions")),
    )
    op.create_index(
        op.f("ix_status_subscriptions_client_id"),
        "status_subscriptions",
        ["client_id"],
        unique=False,
    )
    op.create_table(
        "status_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("subscription_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed', 'cancelled')",
            name=op.f("ck_status_deliveries_status"),
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["status_events.id"],
            name=op.f("fk_status_deliveries_event_id_status_events"),
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["status_subscriptions.id"],
            name=op.f("fk_status_deliveries_subscription_id_status_subscriptions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_deliveries")),
        sa.UniqueConstraint("event_id", "subscription_id", name="uq_status_deliveries_event_sub"),
    )
    op.create_index(
        "ix_status_deliveries_due", "status_deliveries", ["status", "next_attempt_at"], unique=False
    )
    op.create_index(
        op.f("ix_status_deliveries_event_id"), "status_deliveries", ["event_id"], unique=False
    )
    op.create_index(
        op.f("ix_status_deliveries_subscription_id"),
        "status_deliveries",
        ["subscription_id"],
        unique=False,
    )
    op.create_table(
        "status_notice_targets",
        sa.Column("notice_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.CheckConstraint(
            "kind IN ('component', 'bank')", name=op.f("ck_status_notice_targets_kind")
        ),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["status_notices.id"],
            name=op.f("fk_status_notice_targets_notice_id_status_notices"),
        ),
        sa.PrimaryKeyConstraint("notice_id", "kind", "ref", name=op.f("pk_status_notice_targets")),
    )
    op.create_index(
        op.f("ix_status_notice_targets_ref"), "status_notice_targets", ["ref"], unique=False
    )
    op.create_table(
        "status_notice_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.String(length=40), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["status_notices.id"],
            name=op.f("fk_status_notice_updates_notice_id_status_notices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_status_notice_updates")),
    )
    op.create_index(
        op.f("ix_status_notice_updates_notice_id"),
        "status_notice_updates",
        ["notice_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_status_notice_updates_notice_id"), table_name="status_notice_updates")
    op.drop_table("status_notice_updates")
    op.drop_index(op.f("ix_status_notice_targets_ref"), table_name="status_notice_targets")
    op.drop_table("status_notice_targets")
    op.drop_index(op.f("ix_status_deliveries_subscription_id"), table_name="status_deliveries")
    op.drop_index(op.f("ix_status_deliveries_event_id"), table_name="status_deliveries")
    op.drop_index("ix_status_deliveries_due", table_name="status_deliveries")
    op.drop_table("status_deliveries")
    op.drop_index(op.f("ix_status_subscriptions_client_id"), table_name="status_subscriptions")
    op.drop_table("status_subscriptions")
    op.drop_index(op.f("ix_status_notices_status"), table_name="status_notices")
    op.drop_index("ix_status_notices_starts_at", table_name="status_notices")
    op.drop_table("status_notices")
    op.drop_index(op.f("ix_status_events_type"), table_name="status_events")
    op.drop_table("status_events")
    op.drop_table("status_daily_figures")
