"""Payee checks: the register of requesting PSPs (BIC -> TPP client) for EU VoP.

Revision ID: 0007_cop_requesting_psps
Revises: 0006_cop_job_lease
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision: str = "0007_cop_requesting_psps"
down_revision: str | None = "0006_cop_job_lease"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cop_requesting_psps",
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("bic", name=op.f("pk_cop_requesting_psps")),
    )
    op.create_index(op.f("ix_cop_requesting_psps_client_id"), "cop_requesting_psps",
                    ["client_id"])


def downgrade() -> None:
    op.drop_table("cop_requesting_psps")
