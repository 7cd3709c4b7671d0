"""Payee checks: a lease on each bulk job, so a job whose worker died is run again.

Revision ID: 0006_cop_job_lease
Revises: 0003_cop
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision: str = "0006_cop_job_lease"
down_revision: str | None = "0003_cop"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cop_bulk_jobs") as batch:
        batch.add_column(sa.Column("lease_expires_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("lease_holder", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cop_bulk_jobs") as batch:
        batch.drop_column("lease_holder")
        batch.drop_column("lease_expires_at")
