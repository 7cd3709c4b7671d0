"""Consent: consents, per-bank links, PSU authorisation passes, hash-chained audit events.

Revision ID: 0005_consent
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision: str = "0005_consent"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("consent",)
depends_on: str | Sequence[str] | None = "0001_foundation"

STATUSES = "status IN ('AWAU', 'AUTH', 'RJCT', 'EXPD', 'CANC')"
BANK_STATUSES = "status IN ('pending', 'authorised', 'failed', 'revoked', 'reauth_required')"

APPEND_ONLY_FUNCTION = """
CREATE FUNCTION consent_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'consent_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER consent_events_append_only
BEFORE UPDATE OR DELETE ON consent_events
FOR EACH ROW EXECUTE FUNCTION consent_events_append_only()
"""


def upgrade() -> None:
    op.create_table(
        "consents",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("client_name", sa.String(length=200), nullable=False),
        sa.Column("psu_id", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=4), nullable=False),
        sa.Column("status_reason_code", sa.String(length=4), nullable=True),
        sa.Column("status_reason_description", sa.String(length=500), nullable=True),
        sa.Column("status_reason_path", sa.String(length=500), nullable=True),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("expiration_at", UTCDateTime(), nullable=True),
        sa.Column("transaction_from", UTCDateTime(), nullable=True),
        sa.Column("transaction_to", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("status_updated_at", UTCDateTime(), nullable=False),
        sa.Column("authorised_at", UTCDateTime(), nullable=True),
        sa.Column("audit_seq", sa.Integer(), nullable=False),
        sa.Column("audit_head", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(STATUSES, name=op.f("ck_consents_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index(op.f("ix_consents_client_id"), "consents", ["client_id"])
    op.create_index(op.f("ix_consents_psu_id"), "consents", ["psu_id"])

    op.create_table(
        "consent_banks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.String(length=128), nullable=False),
        sa.Column("bank_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("bank_consent_id", sa.String(length=256), nullable=True),
        sa.Column("oauth_state", sa.String(length=64), nullable=True),
        sa.Column("flow_secrets", sa.Text(), nullable=True),
        sa.Column("access_token", sa.Text(), nullable=True),
        sa.Column("refresh_token", sa.Text(), nullable=True),
        sa.Column("token_key_id", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", UTCDateTime(), nullable=True),
        sa.Column("accounts", sa.JSON(), nullable=False),
        sa.Column("authorised_at", UTCDateTime(), nullable=True),
        sa.Column("failure_reason", sa.String(length=200), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(BANK_STATUSES, name=op.f("ck_consent_banks_status")),
        sa.ForeignKeyConstraint(["consent_id"], ["consents.id"],
                                name=op.f("fk_consent_banks_consent_id_consents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_banks")),
        sa.UniqueConstraint("consent_id", "bank_id", name="uq_consent_banks_consent_bank"),
        sa.UniqueConstraint("oauth_state", name=op.f("uq_consent_banks_oauth_state")),
    )
    op.create_index(op.f("ix_consent_banks_consent_id"), "consent_banks", ["consent_id"])

    op.create_table(
        "consent_authorisations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("consent_id", sa.String(length=128), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("psu_id", sa.String(length=128), nullable=False),
        sa.Column("return_to", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["consent_id"], ["consents.id"],
                                name=op.f("fk_consent_authorisations_consent_id_consents")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_authorisations")),
    )
    op.create_index(op.f("ix_consent_authorisations_consent_id"), "consent_authorisations",
                    ["consent_id"])

    op.create_table(
        "consent_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("consent_id", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("interaction_id", sa.String(length=64), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_events")),
        sa.UniqueConstraint("consent_id", "seq", name="uq_consent_events_seq"),
    )
    op.create_index(op.f("ix_consent_events_consent_id"), "consent_events", ["consent_id"])

    if op.get_bind().dialect.name == "postgresql":
        # Row-level: TRUNCATE (test clean-up, deliberate operator action) still works.
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(APPEND_ONLY_TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS consent_events_append_only ON consent_events")
        op.execute("DROP FUNCTION IF EXISTS consent_events_append_only()")
    op.drop_index(op.f("ix_consent_events_consent_id"), table_name="consent_events")
    op.drop_table("consent_events")
    op.drop_index(op.f("ix_consent_authorisations_consent_id"),
                  table_name="consent_authorisations")
    op.drop_table("consent_authorisations")
    op.drop_index(op.f("ix_consent_banks_consent_id"), table_name="consent_banks")
    op.drop_table("consent_banks")
    op.drop_index(op.f("ix_consents_psu_id"), table_name="consents")
    op.drop_index(op.f("ix_consents_client_id"), table_name="consents")
    op.drop_table("consents")
