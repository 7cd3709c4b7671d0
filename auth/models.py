"""Tables of the authorisation server: TPP clients, registration tokens, issued tokens, PSUs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, utcnow


class TppClient(Base):
    """A registered TPP. Public keys only: inline JWKS or a jwks_uri; never a client secret."""

    __tablename__ = "tpp_clients"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSON)
    jwks: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    jwks_uri: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    tls_client_auth_subject_dn: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    tls_client_cert_thumbprint: Mapped[str | None] = mapped_column(String(64), nullable=True)
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(40))
    registered_by: Mapped[str] = mapped_column(String(20), default="operator")
    # FAPI 2.0 Message Signing: /par accepts only a signed request object from this client.
    require_signed_request_object: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Its requests to APIs with OB message signing (CoP) must carry x-jws-signature.
    message_signing_required: Mapped[bool] = mapped_column(Boolean, default=False,
                                                           server_default=false())


class RegistrationToken(Base):
    """An initial access token (RFC 7591 §3) an operator issues; single use, stored hashed."""

    __tablename__ = "tpp_registration_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    roles: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)


class IssuedToken(Base):
    """Every access and refresh token issued, so any of them can be revoked.

    `id` is the access token's `jti`, or a random id for a refresh token (whose value is stored
    only as a SHA-256 hash). `grant_id` ties together every token descending from one
    authorisation code, so replaying the code revokes them all.
    """

    __tablename__ = "oauth_tokens"
    __table_args__ = (
        Index("ix_oauth_tokens_grant_id", "grant_id"),
        Index("ix_oauth_tokens_consent_id", "consent_id"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "access" | "refresh"
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    client_id: Mapped[str] = mapped_column(String(64))
    psu_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    consent_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    scope: Mapped[str] = mapped_column(Text)
    cnf_jkt: Mapped[str | None] = mapped_column(String(64), nullable=True)
    cnf_x5t: Mapped[str | None] = mapped_column(String(64), nullable=True)
    grant_id: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ClientTokenEpoch(Base):
    """A client's token epoch. Each access token carries the epoch its client had when it was
    issued (claim `epoch`, absent for 0); cutting a TPP off raises it in the transaction that
    revokes its tokens, so a worker that does not share the Redis revocation markers refuses
    every older token with one primary-key read (`auth.revocation.epoch_refuses`)."""

    __tablename__ = "client_token_epochs"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    epoch: Mapped[int] = mapped_column(Integer, default=0)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PsuAccount(Base):
    """A bank customer who signs in on the authorisation page. Password: scrypt, per-user salt."""

    __tablename__ = "psu_accounts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(300))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


# eIDAS identities and regulator registers live in their own module; imported here so the
# metadata (and Alembic's comparison with the migrations) sees them with the other tables.
from auth.identity_models import (  # noqa: E402,F401
    RegisterEntry,
    RegisterImport,
    TppIdentity,
    TppIdentityEvent,
)
