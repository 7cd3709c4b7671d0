"""Authorisation server: per-client switch requiring signed request objects at /par.

Revision ID: 0008_auth_signed_request_object
Revises: 0002_auth
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_auth_signed_request_object"
down_revision: str | None = "0002_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tpp_clients") as batch:
        batch.add_column(sa.Column("require_signed_request_object", sa.Boolean(),
                                   nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("tpp_clients") as batch:
        batch.drop_column("require_signed_request_object")
