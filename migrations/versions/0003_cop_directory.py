"""Payee checks: participating banks, sort code ranges, directory accounts, check audit,
bulk jobs.

Revision ID: 0003_cop
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision: str = "0003_cop"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("cop",)
depends_on: str | Sequence[str] | None = "0001_foundation"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cop_banks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=140), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("owner_client_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cop_banks")),
        sa.UniqueConstraint("bic", name=op.f("uq_cop_banks_bic")),
    )
    op.create_index(op.f("ix_cop_banks_owner_client_id"), "cop_banks", ["owner_client_id"])
    op.create_table(
        "cop_sort_code_ranges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("first_sort_code", sa.String(length=6), nullable=False),
        sa.Column("last_sort_code", sa.String(length=6), nullable=False),
        sa.CheckConstraint("first_sort_code <= last_sort_code",
                           name=op.f("ck_cop_sort_code_ranges_ordered")),
        sa.ForeignKeyConstraint(["bank_id"], ["cop_banks.id"], ondelete="CASCADE",
                                name=op.f("fk_cop_sort_code_ranges_bank_id_cop_banks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cop_sort_code_ranges")),
    )
    op.create_index(op.f("ix_cop_sort_code_ranges_bank_id"), "cop_sort_code_ranges",
                    ["bank_id"])
    op.create_index("ix_cop_sort_code_ranges_first_last", "cop_sort_code_ranges",
                    ["first_sort_code", "last_sort_code"])
    op.create_table(
        "cop_accounts",
        sa.Column("id", BigId, nullable=False),
        sa.Column("bank_id", sa.Integer(), nullable=False),
        sa.Column("sort_code", sa.String(length=6), nullable=True),
        sa.Column("account_number", sa.String(length=8), nullable=True),
        sa.Column("iban", sa.String(length=34), nullable=True),
        sa.Column("secondary_reference", sa.String(length=18), nullable=True),
        sa.Column("holder_type", sa.String(length=8), nullable=False),
        sa.Column("holder_names", sa.JSON(), nullable=False),
        sa.Column("trading_names", sa.JSON(), nullable=False),
        sa.Column("organisation_ids", sa.JSON(), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("switched", sa.Boolean(), nullable=False),
        sa.Column("supports_checks", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("holder_type IN ('personal', 'business')",
                           name=op.f("ck_cop_accounts_holder_type")),
        sa.CheckConstraint(
            "iban IS NOT NULL OR (sort_code IS NOT NULL AND account_number IS NOT NULL)",
            name=op.f("ck_cop_accounts_identified")),
        sa.ForeignKeyConstraint(["bank_id"], ["cop_banks.id"], ondelete="CASCADE",
                                name=op.f("fk_cop_accounts_bank_id_cop_banks")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cop_accounts")),
        sa.UniqueConstraint("sort_code", "account_number", name="uq_cop_accounts_scan"),
        sa.UniqueConstraint("iban", name="uq_cop_accounts_iban"),
    )
    op.create_index(op.f("ix_cop_accounts_bank_id"), "cop_accounts", ["bank_id"])
    op.create_table(
        "cop_check_audit",
        sa.Column("id", BigId, nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("scheme", sa.String(length=2), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("account_hash", sa.String(length=64), nullable=False),
        sa.Column("name_hash", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=32), nullable=False),
        sa.Column("reason_code", sa.String(length=4), nullable=True),
        sa.Column("rule", sa.String(length=40), nullable=True),
        sa.Column("name_disclosed", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cop_check_audit")),
    )
    op.create_index(op.f("ix_cop_check_audit_client_id"), "cop_check_audit", ["client_id"])
    op.create_index(op.f("ix_cop_check_audit_account_hash"), "cop_check_audit",
                    ["account_hash"])
    op.create_index(op.f("ix_cop_check_audit_created_at"), "cop_check_audit", ["created_at"])
    op.create_table(
        "cop_bulk_jobs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("client_id", sa.String(length=128), nullable=False),
        sa.Column("scheme", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=True),
        sa.Column("results", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('pending', 'running', 'done', 'failed')",
                           name=op.f("ck_cop_bulk_jobs_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cop_bulk_jobs")),
    )
    op.create_index(op.f("ix_cop_bulk_jobs_client_id"), "cop_bulk_jobs", ["client_id"])


def downgrade() -> None:
    op.drop_table("cop_bulk_jobs")
    op.drop_table("cop_check_audit")
    op.drop_table("cop_accounts")
    op.drop_table("cop_sort_code_ranges")
    op.drop_table("cop_banks")
