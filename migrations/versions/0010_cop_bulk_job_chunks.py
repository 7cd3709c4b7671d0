"""Bulk payee jobs: each chunk's answers committed with its audit rows, so a run that takes a
job over resumes where the last one stopped.

Revision ID: 0010_cop_bulk_job_chunks
Revises: 0007_cop_requesting_psps
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_cop_bulk_job_chunks"
down_revision: str | None = "0007_cop_requesting_psps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cop_bulk_job_chunks",
        sa.Column("job_id", sa.String(36), nullable=False),
        sa.Column("start", sa.Integer(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["cop_bulk_jobs.id"], ondelete="CASCADE",
                                name="fk_cop_bulk_job_chunks_job_id_cop_bulk_jobs"),
        sa.PrimaryKeyConstraint("job_id", "start", name="pk_cop_bulk_job_chunks"),
    )


def downgrade() -> None:
    op.drop_table("cop_bulk_job_chunks")
