"""TPP identity: eIDAS certificate and software statement of each client, regulator register
entries and imports, and the audit trail of a TPP's regulatory standing.

Revision ID: 0011_eidas_identities
Revises: 0009_tpp_message_signing
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision: str = "0011_eidas_identities"
down_revision: str | None = "0009_tpp_message_signing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tpp_identities",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("organization_identifier", sa.String(200), nullable=False),
        sa.Column("register_key", sa.String(200), nullable=False),
        sa.Column("nca_id", sa.String(20), nullable=True),
        sa.Column("psd2_roles", sa.JSON(), nullable=False),
        sa.Column("software_id", sa.String(200), nullable=True),
        sa.Column("directory_org_id", sa.String(200), nullable=True),
        sa.Column("cert_thumbprint", sa.String(64), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("register_checked_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_tpp_identities")),
    )
    op.create_index("ix_tpp_identities_register_key", "tpp_identities", ["register_key"])
    op.create_table(
        "register_entries",
        sa.Column("register_key", sa.String(200), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("authority", sa.String(20), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("psd2_roles", sa.JSON(), nullable=False),
        sa.Column("authorised", sa.Boolean(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("register_key", name=op.f("pk_register_entries")),
    )
    op.create_table(
        "register_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(10), nullable=False),
        sa.Column("file_name", sa.String(500), nullable=False),
        sa.Column("authorities", sa.JSON(), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("cut_off", sa.Integer(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_register_imports")),
    )
    op.create_table(
        "tpp_identity_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("webhook_delivered_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpp_identity_events")),
    )
    op.create_index("ix_tpp_identity_events_client_id", "tpp_identity_events", ["client_id"])


def downgrade() -> None:
    op.drop_index("ix_tpp_identity_events_client_id", "tpp_identity_events")
    op.drop_table("tpp_identity_events")
    op.drop_table("register_imports")
    op.drop_table("register_entries")
    op.drop_index("ix_tpp_identities_register_key", "tpp_identities")
    op.drop_table("tpp_identities")
