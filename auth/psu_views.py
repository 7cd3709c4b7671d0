"""/authorize: the PSU-facing authorisation page (HTML), reached only through PAR.

GET shows the sign-in form for a pushed request; POST `action=sign_in` checks the password and
hands over to the consent hooks or shows the approval page; POST `action=approve|reject` ends
with a 303 back to the TPP carrying `code` (or `error`), `state` and `iss`. Errors before the
redirect URI is trusted (no or bad request_uri) are shown to the PSU, never redirected.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, current_app, redirect, render_template, request

from auth import registry
from auth.hooks import AuthorizationContext, run_handlers
from auth.psu import SignInFailed, sign_in
from auth.scopes import SCOPE_DESCRIPTIONS, parse_scope
from auth.service import AuthorizationNotFound, cancel_redirect, finish_authorization

blp = Blueprint("authorize", __name__, template_folder="templates")


def _server():
    return current_app.extensions["auth"]


def _error(error: str, description: str, status: int = 400):
    return render_template("auth/error.html", error=error, description=description), status


def _client_name(client_id: str) -> str:
    with current_app.extensions["session_factory"]() as session:
        client = registry.get_client(session, client_id)
        return client.name if client else client_id


def _page(template: str, request_uri: str, pending, **extra):
    scopes = [(s, SCOPE_DESCRIPTIONS.get(s, s)) for s in sorted(parse_scope(pending.scope))]
    return render_template(template, request_uri=request_uri, client_id=pending.client_id,
                           client_name=_client_name(pending.client_id), scopes=scopes,
                           consent_id=pending.consent_id, **extra)


@blp.route("/authorize", methods=["GET"])
def authorize():
    request_uri = request.args.get("request_uri")
    if not request_uri:
        return _error("invalid_request", "Authorisation requests must be pushed to /par first "
                      "(FAPI 2.0); request_uri is missing.")
    pending = _server().requests.load(request_uri, request.args.get("client_id"))
    if pending is None or request.args.get("client_id") is None:
        return _error("invalid_request_uri", "The request_uri is unknown, expired, already "
                      "used, or was pushed by another client.")
    return _page("auth/authorize.html", request_uri, pending)


@blp.route("/authorize", methods=["POST"])
def authorize_decision():
    server = _server()
    request_uri = request.form.get("request_uri", "")
    pending = server.requests.load(request_uri)
    if pending is None:
        return _error("invalid_request_uri", "This authorisation request has expired or was "
                      "already completed. Return to the app and start again.")
    action = request.form.get("action")
    if action == "sign_in":
        return _sign_in(server, request_uri, pending)
    if action in ("approve", "reject"):
        try:
            return finish_authorization(request_uri, request.form.get("interaction", ""),
                                        approved=action == "approve")
        except AuthorizationNotFound:
            return _error("invalid_request", "Sign in before deciding.")
    if action == "cancel":
        try:
            return redirect(cancel_redirect(server, request_uri), code=303)
        except AuthorizationNotFound:
            return _error("invalid_request_uri", "This authorisation request was completed.")
    return _error("invalid_request", "Unknown action.")


def _sign_in(server, request_uri, pending):
    with current_app.extensions["session_factory"]() as session:
        try:
            psu = sign_in(session, request.form.get("username", ""),
                          request.form.get("password", ""))
        except SignInFailed as exc:
            return _page("auth/authorize.html", request_uri, pending, message=str(exc))
    pending.psu_id = psu.id
    pending.interaction = secrets.token_urlsafe(24)
    server.requests.save(request_uri, pending, server.session_lifetime)
    context = AuthorizationContext(
        request_uri=request_uri, interaction=pending.interaction, request=pending,
        client_id=pending.client_id, client_name=_client_name(pending.client_id), psu=psu)
    response = run_handlers(context)
    if response is not None:
        return response
    return _page("auth/approve.html", request_uri, pending, interaction=pending.interaction,
                 psu=psu)
