"""TPP clients: whether a client's CoP requests must carry a signed x-jws-signature.

Revision ID: 0009_tpp_message_signing
Revises: 0008_auth_signed_request_object
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_tpp_message_signing"
down_revision: str | None = "0008_auth_signed_request_object"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tpp_clients") as batch:
        batch.add_column(sa.Column("message_signing_required", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("tpp_clients") as batch:
        batch.drop_column("message_signing_required")
