"""What other packages call: finishing an authorisation, revoking tokens of a consent, the
message-signing keys, and what an access review lists (clients, open registration tokens).

No Flask request needed except `finish_authorization`, which reads the app's server.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
from cryptography import x509
from flask import current_app, redirect
from joserfc import jwk
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth import eidas_seal, identity, jarm, registry, tokens
from auth.codes import CodeGrant
from auth.jose import alg_for_key
from auth.jwks_fetch import JwksFetchError
from auth.models import IssuedToken, PsuAccount, RegistrationToken, TppClient
from auth.scopes import allowed_scopes, format_scope
from core.db import unit_of_work


class AuthorizationNotFound(Exception):
    """The request_uri is unknown, expired, already completed, or the interaction is wrong."""


def authorization_redirect(server, request_uri: str, interaction: str, *, approved: bool,
                           consent_id: str | None = None) -> str:
    """Consume the pushed request and return the redirect back to the TPP (RFC 9207 `iss`)."""
    pending = server.requests.load(request_uri)
    if (pending is None or not pending.psu_id or not pending.interaction
            or not hmac.compare_digest(pending.interaction, interaction or "")):
        raise AuthorizationNotFound(request_uri)
    pending = server.requests.consume(request_uri)
    if pending is None:
        raise AuthorizationNotFound(request_uri)
    return _redirect(server, pending, approved, consent_id)


def cancel_redirect(server, request_uri: str) -> str:
    """The PSU cancelled before signing in: access_denied back to the TPP."""
    pending = server.requests.consume(request_uri)
    if pending is None:
        raise AuthorizationNotFound(request_uri)
    return _redirect(server, pending, False, None)


def _redirect(server, pending, approved: bool, consent_id: str | None) -> str:
    params = {}
    if approved:
        code = server.codes.issue(CodeGrant(
            client_id=pending.client_id, redirect_uri=pending.redirect_uri, scope=pending.scope,
            code_challenge=pending.code_challenge, grant_id=secrets.token_urlsafe(16),
            psu_id=pending.psu_id, consent_id=consent_id or pending.consent_id,
            dpop_jkt=pending.dpop_jkt, nonce=pending.nonce), server.code_lifetime)
        params["code"] = code
    else:
        params["error"] = "access_denied"
        params["error_description"] = "The customer declined the authorisation."
    if pending.state is not None:
        params["state"] = pending.state
    if jarm.wanted(pending.params):
        params = jarm.response_parameters(server.keys, issuer=server.issuer,
                                          client_id=pending.client_id, params=params)
    else:
        params["iss"] = server.issuer
    separator = "&" if "?" in pending.redirect_uri else "?"
    return pending.redirect_uri + separator + urlencode(params)


def finish_authorization(request_uri: str, interaction: str, *, approved: bool,
                         consent_id: str | None = None):
    """A 303 redirect to the TPP (FAPI 2.0: 303, never 307)."""
    location = authorization_redirect(current_app.extensions["auth"], request_uri, interaction,
                                      approved=approved, consent_id=consent_id)
    return redirect(location, code=303)


def revoke_consent_tokens(session: Session, consent_id: str, now: dt.datetime | None = None
                          ) -> int:
    """Revoke every token issued under `consent_id` in the caller's transaction."""
    return tokens.revoke_consent(session, consent_id)


class ClientKeysUnavailable(Exception):
    """The client is unknown, or its registered keys (jwks_uri) cannot be read right now."""


def _client(session: Session, client_id: str):
    client = registry.get_client(session, client_id)
    if client is None:
        raise ClientKeysUnavailable(f"no registered client {client_id!r}")
    return client


def message_signing_required(client_id: str) -> bool:
    """Whether the client's registration requires it to sign its messages: from the worker's
    client cache that the access-token check has just filled, so an unsigned request costs no
    database read (a change of the setting holds within `CLIENT_CACHE_SECONDS`)."""
    view = current_app.extensions["auth"].client_view(client_id)
    return bool(view and view.message_signing_required)


class SealNotTheClients(ClientKeysUnavailable):
    """A key the client registered carries a QSealC of another organisation, or one without
    a PSD2 role the client uses (`auth.eidas_seal`)."""


def message_signing_keys(session: Session, client_id: str) -> jwk.KeySet:
    """The public keys the client registered: inline JWKS, or its jwks_uri through the
    registry's cache. A TPP with an eIDAS identity gets none while a QSealC among them is not
    its own (the judgement is cached per worker with the client's registration)."""
    server = current_app.extensions["auth"]
    client = _client(session, client_id)
    try:
        jwks = registry.client_jwks(client, server.jwks_fetcher)
        keys = registry.keyset_of(jwks)
    except (JwksFetchError, httpx.HTTPError, ValueError, registry.RegistrationError) as exc:
        raise ClientKeysUnavailable("your registered jwks_uri could not be read") from exc
    if server.eidas is not None:
        refusal = server.eidas.seal_refusal(
            client_id, jwks, lambda: _seal_refusal(session, client_id, jwks, server.eidas))
        if refusal:
            raise SealNotTheClients(refusal)
    return keys


def _seal_refusal(session: Session, client_id: str, jwks: dict, eidas) -> str | None:
    try:
        eidas_seal.check_seals(jwks, identity.identity_of(session, client_id), eidas.verifier)
    except eidas_seal.SealRefused as exc:
        return str(exc)
    return None


def message_signing_key():
    """The key this service signs messages with: a PS256 key of the JWKS served at /jwks (the
    OB message-signing algorithm), else the token-signing key."""
    keys = current_app.extensions["auth"].keys
    for key in keys.keys.values():
        if alg_for_key(key) == "PS256":
            return key
    return keys.signing_key


# --- for the privacy package's access review ---------------------------------------------------

@dataclass(frozen=True)
class ClientAccess:
    """A registered client as an access review lists it."""

    client_id: str
    name: str
    roles: tuple[str, ...]  # sorted
    scopes: str  # what the roles allow, space-separated
    created_at: dt.datetime
    last_used: dt.datetime | None  # when its last token was issued
    cert_expiry: dt.datetime | None  # the earliest notAfter in its registered keys


@dataclass(frozen=True)
class OpenRegistration:
    """A registration token not used yet and not expired: a credential handed out."""

    token_id: int
    roles: tuple[str, ...]
    scopes: str
    created_at: dt.datetime


def cert_expiry(jwks: Mapping[str, Any] | None) -> dt.datetime | None:
    """The earliest notAfter of the certificates (`x5c`) in a registered JWK Set."""
    earliest = None
    for key in (jwks or {}).get("keys", []):
        for der in key.get("x5c", [])[:1] if isinstance(key, dict) else []:
            try:
                cert = x509.load_der_x509_certificate(base64.b64decode(der))
            except ValueError:
                continue
            expiry = cert.not_valid_after_utc
            earliest = expiry if earliest is None or expiry < earliest else earliest
    return earliest


def _roles_and_scopes(roles: Iterable[str] | None) -> tuple[tuple[str, ...], str]:
    ordered = tuple(sorted(roles or []))
    return ordered, format_scope(allowed_scopes(ordered))


def client_access(session: Session) -> list[ClientAccess]:
    """Every registered client, by client id."""
    with unit_of_work(session):
        last_use = dict(session.execute(select(IssuedToken.client_id, func.max(
            IssuedToken.issued_at)).group_by(IssuedToken.client_id)).all())
        found = []
        for client in session.scalars(select(TppClient).order_by(TppClient.client_id)):
            used = last_use.get(client.client_id)
            if used is not None and used.tzinfo is None:  # SQLite's max() drops the type
                used = used.replace(tzinfo=dt.UTC)
            found.append(ClientAccess(client.client_id, client.name,
                                      *_roles_and_scopes(client.roles), client.created_at,
                                      used, cert_expiry(client.jwks)))
        return found


def open_registrations(session: Session, now: dt.datetime) -> list[OpenRegistration]:
    """Every registration token still usable at `now`, by id."""
    with unit_of_work(session):
        return [OpenRegistration(token.id, *_roles_and_scopes(token.roles), token.created_at)
                for token in session.scalars(select(RegistrationToken).where(
                    RegistrationToken.used_at.is_(None), RegistrationToken.expires_at > now)
                    .order_by(RegistrationToken.id))]


def psu_usernames(session: Session, psu_ids: Iterable[str]) -> dict[str, str]:
    """psu id -> username, for the ids that have a PSU account."""
    with unit_of_work(session):
        return dict(session.execute(select(PsuAccount.id, PsuAccount.username).where(
            PsuAccount.id.in_(set(psu_ids)))).all())
