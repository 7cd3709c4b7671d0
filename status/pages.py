"""The human status page (`/status`, server-rendered, no JavaScript) and the Atom feed."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from core.web import db_session
from status import pagemodel
from status.domain import iso

blp = Blueprint("status_pages", __name__, template_folder="templates", static_folder="static",
                static_url_path="/assets/status")
PUBLIC_CACHE = "public, max-age=15"


def runtime():
    return current_app.extensions["status"]


@blp.get("/status")
def page():
    context = pagemodel.page(runtime(), db_session(), runtime().now())
    response = current_app.make_response(render_template("status/page.html", iso=iso,
                                                         **context))
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response


@blp.get("/status/feed.atom")
def feed():
    context = pagemodel.feed(runtime(), db_session(), runtime().now())
    body = render_template("status/feed.atom.xml", iso=iso, **context)
    response = current_app.response_class(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = PUBLIC_CACHE
    return response
