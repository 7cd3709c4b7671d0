"""Aggregation: two indexes on stored transactions. When each was last written, per consent,
so a worker can tell whether the part of a listing it counted earlier is unchanged; and the
pending entries of a consent, which every incremental sync reaches back to (without it, both
read every row of the consent).

Revision ID: 0012_transactions_indexes
Revises: 0011_transactions
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012_transactions_indexes"
down_revision: str | None = "0011_transactions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_aggregation_transactions_seen", "aggregation_transactions",
                    ["consent_id", "seen_at"])
    op.create_index("ix_aggregation_transactions_pending", "aggregation_transactions",
                    ["consent_id", "status", "account_id", "booked_at"])


def downgrade() -> None:
    op.drop_index("ix_aggregation_transactions_pending", "aggregation_transactions")
    op.drop_index("ix_aggregation_transactions_seen", "aggregation_transactions")
