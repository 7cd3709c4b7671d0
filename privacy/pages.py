"""The PSU's own data requests on the dashboard: download everything held about them (JSON and
a readable HTML summary) and ask for erasure (confirmed by typing ERASE). Thin: read the
session and form, call one use case, render."""

from __future__ import annotations

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


@blp.get("/psu/data")
def data_page():
    psu = _psu()
    if psu is None:
        return _signed_out()
    return _page("data.html", csrf=psu.csrf, confirmation=CONFIRMATION)


@blp.get("/psu/data/export.json")
def export_json():
    psu = _psu()
    if psu is None:
        return _signed_out()
    document = bound.export_psu(current_app, db_session(), psu.psu_id)
    return Response(json.dumps(document, indent=2, ensure_ascii=False),
                    mimetype="application/json",
                    headers={"Content-Disposition": 'attachment; filename="my-data.json"'})


@blp.get("/psu/data/export.html")
def export_html():
    psu = _psu()
    if psu is None:
        return _signed_out()
    document = bound.export_psu(current_app, db_session(), psu.psu_id)
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
