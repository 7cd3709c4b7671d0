"""The human status page (`/status`, server-rendered, no JavaScript) and the Atom feed."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from core.web import DB_UNAVAILABLE, database_unavailable, db_session
from status import pagemodel
from status.domain import iso

blp = Blueprint("status_pages", __name__, template_folder="templates", static_folder="static",
                static_url_path="/assets/status")
PUBLIC_CACHE = "public, max-age=15"


def runtime():
    return current_app.extensions["status"]


RETRY_AFTER = 30


def _database_down(error):
    """A person opening /status while the database is away gets a page saying so (503), not
    the problem JSON that API clients get; other clients still get the problem."""
    if request.endpoint != "status_pages.page" or not request.accept_mimetypes.accept_html:
        return database_unavailable(error)
    body = render_template("status/unavailable.html", retry_after=RETRY_AFTER)
    return current_app.response_class(body, status=503, mimetype="text/html",
                                      headers={"Retry-After": str(RETRY_AFTER)})


for _error in DB_UNAVAILABLE:
    blp.register_error_handler(_error, _database_down)


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
