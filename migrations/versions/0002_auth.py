"""Authorisation server: TPP clients, registration tokens, issued tokens, PSU accounts.

Revision ID: 0002_auth
Revises:
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from core.db import UTCDateTime

revision: str = "0002_auth"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = ("auth",)
depends_on: str | Sequence[str] | None = "0001_foundation"


def upgrade() -> None:
    op.create_table(
        "tpp_clients",
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("jwks", sa.JSON(), nullable=True),
        sa.Column("jwks_uri", sa.String(length=2000), nullable=True),
        sa.Column("redirect_uris", sa.JSON(), nullable=False),
        sa.Column("tls_client_auth_subject_dn", sa.String(length=1000), nullable=True),
        sa.Column("tls_client_cert_thumbprint", sa.String(length=64), nullable=True),
        sa.Column("token_endpoint_auth_method", sa.String(length=40), nullable=False),
        sa.Column("registered_by", sa.String(length=20), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name=op.f("pk_tpp_clients")),
    )
    op.create_table(
        "tpp_registration_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tpp_registration_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_tpp_registration_tokens_token_hash")),
    )
    op.create_table(
        "oauth_tokens",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("psu_id", sa.String(length=64), nullable=True),
        sa.Column("consent_id", sa.String(length=128), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("cnf_jkt", sa.String(length=64), nullable=True),
        sa.Column("cnf_x5t", sa.String(length=64), nullable=True),
        sa.Column("grant_id", sa.String(length=64), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_oauth_tokens_token_hash")),
    )
    op.create_index("ix_oauth_tokens_consent_id", "oauth_tokens", ["consent_id"], unique=False)
    op.create_index("ix_oauth_tokens_grant_id", "oauth_tokens", ["grant_id"], unique=False)
    op.create_table(
        "psu_accounts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=300), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_psu_accounts")),
        sa.UniqueConstraint("username", name=op.f("uq_psu_accounts_username")),
    )


def downgrade() -> None:
    op.drop_table("psu_accounts")
    op.drop_index("ix_oauth_tokens_grant_id", table_name="oauth_tokens")
    op.drop_index("ix_oauth_tokens_consent_id", table_name="oauth_tokens")
    op.drop_table("oauth_tokens")
    op.drop_table("tpp_registration_tokens")
    op.drop_table("tpp_clients")
