"""What other packages call: finishing an authorisation, revoking tokens of a consent.

No Flask request needed except `finish_authorization`, which reads the app's server.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from urllib.parse import urlencode

from flask import current_app, redirect
from sqlalchemy.orm import Session

from auth import jarm, tokens
from auth.codes import CodeGrant


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
