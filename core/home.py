"""`GET /`: where a person or a program starts. A browser gets a short page pointing at the
developer portal, the status page and the customer dashboard; any other client gets the same
links as JSON. Without it the server's root was a bare 404, the first thing a new user saw."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request

blp = Blueprint("home", __name__, template_folder="templates")

# (key, path, what a newcomer finds there)
LINKS = (
    ("portal", "/docs", "API portal: every endpoint, with an interactive console"),
    ("openapi", "/openapi.json", "The OpenAPI 3.1 document"),
    ("status", "/status", "Status page: our APIs and each bank, maintenance, availability"),
    ("status_api", "/status/v1/summary", "Status as JSON (no token needed)"),
    ("discovery", "/.well-known/oauth-authorization-server",
     "OAuth 2.0 authorisation server metadata (FAPI 2.0)"),
    ("dashboard", "/psu/consents", "Customers: the apps you have connected"),
    ("problems", "/problems", "Every error type this API answers with"),
)


@blp.get("/")
def home():
    base = current_app.config["ISSUER"]
    links = [{"rel": key, "href": base + path, "title": title} for key, path, title in LINKS]
    # a browser names text/html; curl's */* and API clients get JSON (listed first, so it
    # wins a tie)
    if request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html":
        return render_template("core/home.html", links=links)
    return jsonify({"name": "Open Banking Hub",
                    "links": {link["rel"]: link["href"] for link in links}})
