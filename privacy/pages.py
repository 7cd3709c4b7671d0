"""The PSU's own data requests on the dashboard: download everything held about them (JSON and
a readable HTML summary) and ask for erasure (confirmed by typing ERASE). Thin: read the
session and form, call one use case, render."""

from __future__ import annotations

import functools
import hmac
import json

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for

from consent import psu_session
from core.web import db_session
from privacy import bound
from privacy.subjects import UnknownPsu

blp = Blueprint("privacy_pages", __name__, template_folder="templates")
CONFIRMATION = "ERASE"


def _psu():
    return psu_session.load(current_app.extensions["redis"],
                            request.cookies.get(psu_session.COOKIE))


def _page(template: str, status: int = 200, **context):
    return render_template(f"privacy/{template}", **context), status


def _signed_out():
    return redirect(url_for("consent_pages.dashboard_page"), code=303)


def signed_in(view):
    """Run `view` with the signed-in PSU; without a dashboard session, back to sign-in."""

    @functools.wraps(view)
    def wrapper():
        psu = _psu()
        return _signed_out() if psu is None else view(psu)
    return wrapper


def _my_data(psu) -> dict:
    return bound.export_psu(current_app, db_session(), psu.psu_id)


@blp.get("/psu/data")
@signed_in
def data_page(psu):
    return _page("data.html", csrf=psu.csrf, confirmation=CONFIRMATION)


@blp.get("/psu/data/export.json")
@signed_in
def export_json(psu):
    document = _my_data(psu)
    return Response(json.dumps(document, indent=2, ensure_ascii=False),
                    mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="my-data.json"'})


@blp.get("/psu/data/export.html")
@signed_in
def export_html(psu):
    document = _my_data(psu)
    return _page("summary.html", doc=document, data=document["data"])


@blp.post("/psu/data/erase")
def erase():
    psu = _psu()
    if psu is None or not hmac.compare_digest(request.form.get("csrf", ""), psu.csrf):
        return _page("message.html", 403, message="Sign in again to manage your data.")
    if request.form.get("confirm", "").strip() != CONFIRMATION:
        return _page("data.html", 400, csrf=psu.csrf, confirmation=CONFIRMATION,
                     message=f"Type {CONFIRMATION} to confirm.")
    try:
        bound.erase_psu(current_app, db_session(), psu.psu_id, requested_by="psu:dashboard")
    except UnknownPsu:
        pass  # erased meanwhile: the outcome the PSU asked for
    psu_session.end(current_app.extensions["redis"], request.cookies.get(psu_session.COOKIE))
    response, status = _page("message.html", message=(
        "Your data has been erased: every app's access has ended and your account is gone."))
    out = current_app.make_response((response, status))
    out.delete_cookie(psu_session.COOKIE)
    return out
