"""Client token epochs: a TPP cut off refuses its older tokens in every worker, Redis or not.

Revision ID: 0012_client_token_epochs
Revises: 0011_eidas_identities
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision: str = "0012_client_token_epochs"
down_revision: str | None = "0011_eidas_identities"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "client_token_epochs",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_client_token_epochs")),
    )


def downgrade() -> None:
    op.drop_table("client_token_epochs")
