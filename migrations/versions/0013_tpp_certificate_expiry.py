"""The subject, serial number and expiry of each TPP's QWAC, for `registers status`.

Revision ID: 0013_tpp_certificate_expiry
Revises: 0012_client_token_epochs
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision: str = "0013_tpp_certificate_expiry"
down_revision: str | None = "0012_client_token_epochs"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tpp_identities") as batch:
        batch.add_column(sa.Column("cert_subject", sa.String(500), nullable=True))
        batch.add_column(sa.Column("cert_serial", sa.String(64), nullable=True))
        batch.add_column(sa.Column("cert_not_after", UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tpp_identities") as batch:
        batch.drop_column("cert_not_after")
        batch.drop_column("cert_serial")
        batch.drop_column("cert_subject")
