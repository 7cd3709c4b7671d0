"""The human status page (`/status`, server-rendered, no JavaScript) and the Atom feed."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from core.web import DB_UNAVAILABLE, database_unavailable, db_session
from status import pagemodel, publiccache, service
from status.domain import iso
from status.publiccache import MAX_AGE, as_of, until

blp = Blueprint("status_pages", __name__, template_folder="templates", static_folder="static",
                static_url_path="/assets/status")


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
    rt = runtime()
    now = rt.now()

    def render():
        session = db_session()
        open_ = service.open_notices(session)
        # the bars and "updated" run up to now: as of the last MAX_AGE step
        stamp = as_of(open_, now, step=MAX_AGE)
        body = render_template("status/page.html", iso=iso,
                               **pagemodel.page(rt, session, stamp, open_))
        return body.encode(), "text/html", stamp, until(open_, now, MAX_AGE)

    return publiccache.respond(rt.public_cache.get("page", now, render))


@blp.get("/status/feed.atom")
def feed():
    rt = runtime()
    now = rt.now()

    def render():
        context = pagemodel.feed(rt, db_session(), now)
        body = render_template("status/feed.atom.xml", iso=iso, **context)
        return body.encode(), "application/atom+xml", context["updated"], None

    return publiccache.respond(rt.public_cache.get("feed", now, render))
