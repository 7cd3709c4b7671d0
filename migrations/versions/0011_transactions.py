"""Aggregation: transactions read from banks (sealed at rest) and each account's sync state.

Revision ID: 0011_transactions
Revises:
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision: str = "0011_transactions"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("aggregation",)
depends_on: str | Sequence[str] | None = "0001_foundation"


def upgrade() -> None:
    op.create_table(
        "aggregation_transactions",
        sa.Column("consent_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(40), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("bank_id", sa.String(64), nullable=False),
        sa.Column("booked_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("direction", sa.String(1), nullable=False),
        sa.Column("transfer_tag", sa.String(32), nullable=True),
        sa.Column("linked_account_id", sa.String(40), nullable=True),
        sa.Column("linked_key", sa.String(40), nullable=True),
        sa.Column("sealed", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("status IN ('booked', 'pending')",
                           name="ck_aggregation_transactions_status"),
        sa.CheckConstraint("direction IN ('C', 'D')",
                           name="ck_aggregation_transactions_direction"),
        sa.PrimaryKeyConstraint("consent_id", "account_id", "key",
                                name="pk_aggregation_transactions"),
    )
    op.create_index("ix_aggregation_transactions_timeline", "aggregation_transactions",
                    ["consent_id", "booked_at", "account_id", "key"])
    op.create_index("ix_aggregation_transactions_account", "aggregation_transactions",
                    ["consent_id", "account_id", "booked_at", "key"])
    op.create_index("ix_aggregation_transactions_transfer", "aggregation_transactions",
                    ["consent_id", "transfer_tag"])
    op.create_table(
        "aggregation_transaction_syncs",
        sa.Column("consent_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(40), nullable=False),
        sa.Column("bank_id", sa.String(64), nullable=False),
        sa.Column("bank_account_id", sa.String(256), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("window_from", UTCDateTime(), nullable=False),
        sa.Column("high_water", UTCDateTime(), nullable=True),
        sa.Column("resume_from", UTCDateTime(), nullable=True),
        sa.Column("resume_cursor", sa.Text(), nullable=True),
        sa.Column("key_id", sa.String(64), nullable=True),
        sa.Column("error_type", sa.String(64), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("synced_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("state IN ('complete', 'partial')",
                           name="ck_aggregation_transaction_syncs_state"),
        sa.PrimaryKeyConstraint("consent_id", "account_id",
                                name="pk_aggregation_transaction_syncs"),
    )


def downgrade() -> None:
    op.drop_table("aggregation_transaction_syncs")
    op.drop_index("ix_aggregation_transactions_transfer", "aggregation_transactions")
    op.drop_index("ix_aggregation_transactions_account", "aggregation_transactions")
    op.drop_index("ix_aggregation_transactions_timeline", "aggregation_transactions")
    op.drop_table("aggregation_transactions")
