"""The business dashboard: a member sees the business's connected apps and who read what; an
administrator can also stop an app's access. Thin: session, one service call, render."""

from __future__ import annotations

import hmac

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from consent import business_service, psu_session
from consent.business import NotPermitted
from consent.errors import ConsentNotFound, InvalidTransition
from consent.representation import iso
from core.web import db_session

blp = Blueprint("business_pages", __name__, template_folder="templates")


def _psu():
    return psu_session.load(current_app.extensions["redis"],
                            request.cookies.get(psu_session.COOKIE))


def _message(text: str, status: int):
    return render_template("consent/error.html", message=text), status


@blp.get("/psu/business/<business_id>")
def business_page(business_id: str):
    psu = _psu()
    if psu is None:
        return redirect(url_for("consent_pages.dashboard_page"), code=303)
    try:
        view = business_service.business_view(db_session(), psu.psu_id, business_id,
                                              adapters=current_app.extensions["consent"])
    except ConsentNotFound:
        return _message("You do not act for that business.", 404)
    except NotPermitted as exc:
        return _message(exc.detail, 403)
    return render_template("consent/business.html", view=view, csrf=psu.csrf, iso=iso,
                           revoked=request.args.get("revoked")), 200


@blp.post("/psu/business/<business_id>/consents/<consent_id>/revoke")
def revoke(business_id: str, consent_id: str):
    psu = _psu()
    if psu is None or not hmac.compare_digest(request.form.get("csrf", ""), psu.csrf):
        return _message("Sign in again to manage your apps.", 403)
    try:
        business_service.revoke_for_business(
            db_session(), psu.psu_id, business_id, consent_id,
            adapters=current_app.extensions["consent"],
            interaction_id=getattr(g, "interaction_id", None))
    except NotPermitted as exc:
        return _message(exc.detail, 403)
    except (ConsentNotFound, InvalidTransition):
        return _message("That app's access had already ended.", 404)
    return redirect(url_for("business_pages.business_page", business_id=business_id,
                            revoked="1"), code=303)
