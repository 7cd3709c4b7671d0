"""The portal's sandbox directory page (demo mode only): test credentials in the browser.

GET shows the form; POST issues a QWAC, a QSealC and a software statement for the organisation
and roles chosen and shows them to copy. Nothing is stored: the private keys are on this page
and nowhere else. `GET …/crl` is the sandbox CA's CRL, which its certificates point to.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from auth.sandbox_directory import CRL_PATH, SandboxDirectoryError

# the sandbox certificates name this blueprint's /crl as their CRL distribution point
blp = Blueprint("sandbox_directory", __name__, url_prefix=CRL_PATH.removesuffix("/crl"))
ROLE_CHOICES = (("PSP_AI", "Account information (scope accounts)"),
                ("PSP_PI", "Payment initiation (scope payee-checks)"),
                ("PSP_AS", "Account servicing: a bank (payee-directory, payee-checks)"),
                ("PSP_IC", "Card-based payment instruments (no scope here)"))


def _sandbox():
    return current_app.extensions["auth.sandbox_directory"]


@blp.route("", methods=["GET", "POST"])
def issue_page():
    credentials, error, status = None, None, 200
    if request.method == "POST":
        try:
            credentials = _sandbox().issue(request.form.get("org", ""),
                                           request.form.getlist("roles"))
        except SandboxDirectoryError as exc:
            error, status = str(exc), 400
    response = current_app.make_response((render_template(
        "auth/directory.html", roles=ROLE_CHOICES, credentials=credentials, error=error,
        issuer=current_app.config["ISSUER"],
        cert_header=current_app.config["CLIENT_CERT_HEADER"]), status))
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.get("/crl")
def crl():
    response = current_app.response_class(_sandbox().crl_der(), mimetype="application/pkix-crl")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response

