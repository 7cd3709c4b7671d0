"""Data protection and business customers: businesses and the users acting for them, erasures (resumable, recorded without the erased data), stored access
reviews, and an audit-trail trigger that lets the retention purge (and nothing else) delete the
events of finished consents.

Revision ID: 0011_gdpr_privacy
Revises: 0005_consent
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision: str = "0011_gdpr_privacy"
down_revision: str | None = "0005_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Still append-only for everyone else: a DELETE goes through only inside a transaction that
# declared itself the retention purge (SET LOCAL consent.purge = 'on') and only for an event
# whose consent has finished (RJCT, EXPD, CANC). UPDATE is always refused.
PURGE_AWARE_FUNCTION = """
CREATE OR REPLACE FUNCTION consent_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('consent.purge', true) = 'on' AND EXISTS (
        SELECT 1 FROM consents WHERE id = OLD.consent_id
        AND status IN ('RJCT', 'EXPD', 'CANC')) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'consent_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION consent_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consent_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    op.create_table(
        "privacy_erasures",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("pseudonym", sa.String(64), nullable=False),
        sa.Column("psu_id", sa.String(64), nullable=True),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("state", sa.String(8), nullable=False),
        sa.Column("steps_done", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("state IN ('running', 'done')", name=op.f("ck_privacy_erasures_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_erasures")),
        sa.UniqueConstraint("pseudonym", name=op.f("uq_privacy_erasures_pseudonym")),
    )
    op.create_table(
        "privacy_access_reviews",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("reviewer", sa.String(200), nullable=False),
        sa.Column("rows", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_access_reviews")),
    )
    op.create_index(op.f("ix_privacy_access_reviews_created_at"), "privacy_access_reviews",
                    ["created_at"])
    op.create_table(
        "business_customers",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_customers")),
    )
    op.create_table(
        "business_users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("business_id", sa.String(64), nullable=False),
        sa.Column("psu_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("max_consent_days", sa.Integer(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_active_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("role IN ('administrator', 'viewer')",
                           name=op.f("ck_business_users_role")),
        sa.ForeignKeyConstraint(["business_id"], ["business_customers.id"],
                                name=op.f("fk_business_users_business_id_business_customers")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_users")),
        sa.UniqueConstraint("business_id", "psu_id", name="uq_business_users_member"),
    )
    op.create_index(op.f("ix_business_users_business_id"), "business_users", ["business_id"])
    op.create_index(op.f("ix_business_users_psu_id"), "business_users", ["psu_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PURGE_AWARE_FUNCTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
    op.drop_index(op.f("ix_business_users_psu_id"), table_name="business_users")
    op.drop_index(op.f("ix_business_users_business_id"), table_name="business_users")
    op.drop_table("business_users")
    op.drop_table("business_customers")
    op.drop_index(op.f("ix_privacy_access_reviews_created_at"),
                  table_name="privacy_access_reviews")
    op.drop_table("privacy_access_reviews")
    op.drop_table("privacy_erasures")
