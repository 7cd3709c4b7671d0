"""What other packages call: finishing an authorisation, revoking tokens of a consent.

No Flask request needed except `finish_authorization`, which reads the app's server.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from urllib.parse import urlencode

import httpx
from flask import current_app, redirect
from joserfc import jwk
from sqlalchemy.orm import Session

from auth import eidas_seal, identity, jarm, registry, tokens
from auth.codes import CodeGrant
from auth.jose import alg_for_key
from auth.jwks_fetch import JwksFetchError


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
