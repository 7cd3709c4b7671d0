"""PSU-facing HTML: the consent screen reached from /authorize, the bank callbacks, and the
dashboard at /psu/consents. Thin: each view reads the form, calls one service, renders."""

from __future__ import annotations

import hmac
import math

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from auth.psu import SignInFailed, sign_in
from auth.service import AuthorizationNotFound, finish_authorization
from consent import authorisation, bankflow, business_service, dashboard, psu_session
from consent.business import NotPermitted
from consent.errors import ConsentNotFound, InvalidTransition
from consent.permissions import plain_words
from consent.representation import iso
from core.web import db_session

blp = Blueprint("consent_pages", __name__, template_folder="templates")
PASS_COOKIE = "obh_consent_pass"


def adapters():
    return current_app.extensions["consent"]


def _iid():
    return getattr(g, "interaction_id", None)


def _page(template: str, status: int = 200, **context):
    return render_template(f"consent/{template}", iso=iso, **context), status


def _error(message: str, status: int = 400):
    return _page("error.html", status, message=message)


def _bank_name(bank_id: str) -> str:
    names = {b.id: b.name for b in bankflow.list_banks(adapters())}
    return names.get(bank_id) or bank_id


def callback_url(bank_id: str) -> str:
    return current_app.config["ISSUER"] + url_for("consent_pages.bank_callback", bank_id=bank_id)


def _cookie(response, name: str, value: str, max_age: int):
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="Lax",
                        secure=current_app.config["ISSUER"].startswith("https"))
    return response


def on_authorize(context):
    """auth.hooks handler: a pushed request naming a consent gets our consent screen."""
    if context.consent_id is None:
        return None
    try:
        ticket, secret = authorisation.begin(
            db_session(), consent_id=context.consent_id, client_id=context.client_id,
            psu_id=context.psu.id, request_uri=context.request_uri,
            interaction=context.interaction, adapters=adapters(), interaction_id=_iid())
    except (ConsentNotFound, InvalidTransition):
        # Unknown, another TPP's, or no longer awaiting authorisation: access_denied.
        return finish_authorization(context.request_uri, context.interaction, approved=False)
    response = redirect(url_for("consent_pages.screen", ticket=ticket), code=303)
    return _cookie(response, PASS_COOKIE, secret, int(authorisation.PASS_LIFETIME.seconds))


def _screen(ticket: str, message: str | None = None, status: int = 200):
    try:
        view = authorisation.screen(db_session(), ticket, request.cookies.get(PASS_COOKIE),
                                    adapters=adapters())
    except authorisation.PassInvalid:
        return _error("This authorisation has expired or was completed. Return to the app.", 404)
    return _page("screen.html", status, ticket=ticket, consent=view.consent, banks=view.banks,
                 links=view.links, permissions=plain_words(view.consent.permissions),
                 message=message,
                 businesses=business_service.memberships(db_session(), view.psu_id))


@blp.get("/consent/authorise/<ticket>")
def screen(ticket: str):
    return _screen(ticket)


@blp.post("/consent/authorise/<ticket>/banks/<bank_id>")
def start_bank(ticket: str, bank_id: str):
    try:
        url = authorisation.start_bank(db_session(), ticket, request.cookies.get(PASS_COOKIE),
                                       bank_id, redirect_uri=callback_url(bank_id),
                                       adapters=adapters(), interaction_id=_iid(),
                                       psu_ip=request.remote_addr)
    except authorisation.PassInvalid:
        return _error("This authorisation has expired or was completed. Return to the app.", 404)
    except bankflow.BankFailure as exc:
        return _screen(ticket, f"{_bank_name(bank_id)} could not be reached ({exc.kind}). "
                       "You can carry on with your other banks.", 502)
    return redirect(url or url_for("consent_pages.bank_wait", ticket=ticket, bank_id=bank_id),
                    code=303)


@blp.get("/consent/authorise/<ticket>/banks/<bank_id>/wait")
def bank_wait(ticket: str, bank_id: str):
    """The PSU approves in the bank's app (decoupled SCA): each visit asks the bank once; the
    page reloads itself at the bank's advised interval until the bank has answered."""
    try:
        wait = authorisation.poll_bank(db_session(), ticket, request.cookies.get(PASS_COOKIE),
                                       bank_id, adapters=adapters(), interaction_id=_iid())
    except authorisation.PassInvalid:
        return _error("This authorisation has expired or was completed. Return to the app.", 404)
    if wait is None:
        if dashboard.finish_renewal_if_any(db_session(), ticket, adapters()):
            return redirect(url_for("consent_pages.dashboard_page", renewed=bank_id), code=303)
        return redirect(url_for("consent_pages.screen", ticket=ticket), code=303)
    return _page("bank_wait.html", ticket=ticket, bank_id=bank_id, bank_name=_bank_name(bank_id),
                 message=wait.message, seconds=max(1, math.ceil(wait.seconds)))


ANSWER_PARAMS = ("code", "state", "error", "response")


@blp.get("/consent/callback/<bank_id>")
def bank_callback(bank_id: str):
    """The bank's answer in the query (a code, an error, a JARM `response`). A hybrid answer
    (`code id_token`) comes in the URL fragment, which never reaches the server: a small
    page (a same-origin script, as the CSP allows) posts the fragment's parameters back."""
    if not any(name in request.args for name in ANSWER_PARAMS):
        return _page("bank_answer.html", bank_id=bank_id)
    return _bank_answer(bank_id, request.args.to_dict())


@blp.post("/consent/callback/<bank_id>")
def bank_callback_form(bank_id: str):
    return _bank_answer(bank_id, request.form.to_dict())


def _bank_answer(bank_id: str, answer: dict[str, str]):
    try:
        ticket = authorisation.bank_callback(
            db_session(), bank_id, answer=answer, redirect_uri=callback_url(bank_id),
            adapters=adapters(), interaction_id=_iid())
    except authorisation.PassInvalid:
        return _error("This bank response does not match an authorisation in progress.", 400)
    if dashboard.finish_renewal_if_any(db_session(), ticket, adapters()):
        return redirect(url_for("consent_pages.dashboard_page", renewed=bank_id), code=303)
    return redirect(url_for("consent_pages.screen", ticket=ticket), code=303)


@blp.post("/consent/authorise/<ticket>/decision")
def decide(ticket: str):
    try:
        continuation, approved, consent_id = authorisation.decide(
            db_session(), ticket, request.cookies.get(PASS_COOKIE),
            approve=request.form.get("action") == "approve", adapters=adapters(),
            interaction_id=_iid(), act_for=request.form.get("act_for") or None)
    except authorisation.PassInvalid:
        return _error("This authorisation has expired or was completed. Return to the app.", 404)
    except authorisation.NoBankAuthorised:
        return _screen(ticket, "Connect at least one bank, or choose Don't allow.", 400)
    except (NotPermitted, ConsentNotFound) as exc:
        return _screen(ticket, getattr(exc, "detail", "") or "You cannot act for that "
                       "business.", 403)
    try:
        response = finish_authorization(continuation.request_uri, continuation.interaction,
                                        approved=approved, consent_id=consent_id)
    except AuthorizationNotFound:
        return _error("The app's authorisation request expired. Return to the app.", 400)
    response.delete_cookie(PASS_COOKIE)
    return response


# --- dashboard -------------------------------------------------------------------------------

def _psu():
    redis = current_app.extensions["redis"]
    return psu_session.load(redis, request.cookies.get(psu_session.COOKIE))


def _checked_psu():
    psu = _psu()
    if psu is None or not hmac.compare_digest(request.form.get("csrf", ""), psu.csrf):
        return None
    return psu


@blp.get("/psu/consents")
def dashboard_page():
    psu = _psu()
    if psu is None:
        return _page("signin.html")
    lines = dashboard.active_consents(db_session(), psu.psu_id, adapters=adapters())
    message = None
    if request.args.get("revoked"):
        message = "Done: that app can no longer see your accounts."
    elif request.args.get("renewed"):
        message = "Thank you: access at that bank is confirmed again."
    return _page("dashboard.html", consents=lines, csrf=psu.csrf, message=message,
                 businesses=business_service.memberships(db_session(), psu.psu_id))


@blp.post("/psu/sign-in")
def dashboard_sign_in():
    try:
        psu = sign_in(db_session(), request.form.get("username", ""),
                      request.form.get("password", ""))
    except SignInFailed as exc:
        return _page("signin.html", 401, message=str(exc))
    session_id = psu_session.create(current_app.extensions["redis"], psu.id)
    response = redirect(url_for("consent_pages.dashboard_page"), code=303)
    return _cookie(response, psu_session.COOKIE, session_id, psu_session.LIFETIME)


@blp.post("/psu/sign-out")
def dashboard_sign_out():
    psu_session.end(current_app.extensions["redis"], request.cookies.get(psu_session.COOKIE))
    response = redirect(url_for("consent_pages.dashboard_page"), code=303)
    response.delete_cookie(psu_session.COOKIE)
    return response


@blp.post("/psu/consents/<consent_id>/revoke")
def revoke(consent_id: str):
    psu = _checked_psu()
    if psu is None:
        return _error("Sign in again to manage your apps.", 403)
    try:
        dashboard.revoke(db_session(), psu.psu_id, consent_id, adapters=adapters(),
                         interaction_id=_iid())
    except (ConsentNotFound, InvalidTransition):
        return _error("That app's access had already ended.", 404)
    return redirect(url_for("consent_pages.dashboard_page", revoked="1"), code=303)


@blp.post("/psu/consents/<consent_id>/banks/<bank_id>/renew")
def renew_bank(consent_id: str, bank_id: str):
    psu = _checked_psu()
    if psu is None:
        return _error("Sign in again to manage your apps.", 403)
    try:
        url, secret, ticket = dashboard.begin_renewal(
            db_session(), psu.psu_id, consent_id, bank_id, redirect_uri=callback_url(bank_id),
            adapters=adapters(), interaction_id=_iid(), psu_ip=request.remote_addr)
    except (ConsentNotFound, InvalidTransition):
        return _error("That app's access has ended; it cannot be renewed.", 404)
    except bankflow.BankFailure as exc:
        return _error(f"{_bank_name(bank_id)} could not be reached ({exc.kind}). "
                      "Try again later.", 502)
    target = url or url_for("consent_pages.bank_wait", ticket=ticket, bank_id=bank_id)
    return _cookie(redirect(target, code=303), PASS_COOKIE, secret,
                   int(authorisation.PASS_LIFETIME.seconds))
