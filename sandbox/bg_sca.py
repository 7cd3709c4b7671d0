"""SCA of a sandbox Berlin Group bank without the OAuth2 pre-step: the authorisation
sub-resources of a consent (`POST /v1/consents/{id}/authorisations`, `GET …/{authorisationId}`)
and the two ways the PSU answers them.

- redirect: the answer's `_links.scaRedirect` is the bank's own sign-in page (`/sca/<id>`);
  the PSU approves or denies there and is sent back to `TPP-Redirect-URI` (a denial to
  `TPP-Nok-Redirect-URI` when given).
- decoupled: the PSU approves in the bank's app. Here the app is the admin call
  `POST /admin/authorisations/<id>` with `{"psu": "alice", "approve": true}`; until then the
  status answers `scaMethodSelected` with `Retry-After` (the profile's `poll_seconds`).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    g,
    jsonify,
    redirect,
    render_template_string,
    request,
    url_for,
)

from sandbox.oauth import PAGE, _granted, _password_ok
from sandbox.state import AUTHORISED, AWAITING, REJECTED, BankState, ScaAuthorisation

FINAL = ("finalised", "failed")
APPROACH_HEADER = {"redirect": "REDIRECT", "redirect-oauth": "REDIRECT",
                   "decoupled": "DECOUPLED", "embedded": "EMBEDDED"}
APP_MESSAGE = "Please confirm the access in your {} app."


def register(bp: Blueprint, state: BankState, bg_error) -> None:
    bank = state.bank

    @bp.post("/v1/consents/<consent_id>/authorisations")
    def bg_start_authorisation(consent_id: str):
        profile = bank.bg_profile
        consent = state.consent(consent_id)
        if consent is None:
            return bg_error(403, "CONSENT_UNKNOWN", "No such consent.")
        if profile.oauth:
            return bg_error(400, "SERVICE_INVALID", "This bank authorises consents through "
                            "its OAuth2 server (_links.scaOAuth).")
        if profile.sca_approach == "embedded":  # the PSU's credentials would come next
            return bg_error(400, "FORMAT_ERROR", "psuData with the PSU's password is required "
                            "(embedded SCA).")
        if consent.status != AWAITING:
            return bg_error(409, "STATUS_INVALID", "The consent is no longer awaiting "
                            "authorisation.")
        redirect_uri = request.headers.get("TPP-Redirect-URI", "")
        if profile.sca_approach == "redirect" and \
                not redirect_uri.startswith(("https://", "http://")):
            return bg_error(400, "FORMAT_ERROR", "TPP-Redirect-URI (an absolute URI) is "
                            "required.")
        decoupled = profile.sca_approach == "decoupled"
        found = state.add_authorisation(
            consent_id=consent_id, approach=profile.sca_approach,
            status="scaMethodSelected" if decoupled else "received", redirect_uri=redirect_uri,
            nok_redirect_uri=request.headers.get("TPP-Nok-Redirect-URI", ""))
        links = {"scaStatus": {"href": url_for(".bg_authorisation", consent_id=consent_id,
                                               authorisation_id=found.id, _external=True)}}
        body = {"scaStatus": found.status, "authorisationId": found.id, "_links": links}
        if decoupled:
            body["psuMessage"] = APP_MESSAGE.format(bank.name)
        else:
            links["scaRedirect"] = {"href": url_for(".sca_page", authorisation_id=found.id,
                                                    _external=True)}
        response = jsonify(body)
        response.status_code = 201
        response.headers["ASPSP-SCA-Approach"] = APPROACH_HEADER[profile.sca_approach]
        return response

    @bp.get("/v1/consents/<consent_id>/authorisations/<authorisation_id>")
    def bg_authorisation(consent_id: str, authorisation_id: str):
        found = state.authorisation(authorisation_id)
        if found is None or found.consent_id != consent_id:
            return bg_error(403, "RESOURCE_UNKNOWN", "No such authorisation of this consent.")
        response = jsonify({"scaStatus": found.status})
        if found.approach == "decoupled" and found.status not in FINAL:
            response.headers["Retry-After"] = str(bank.bg_profile.poll_seconds)
            g.retry_after_advised = True  # an advice to wait, kept by a host app's limiter
        return response

    @bp.get("/sca/<authorisation_id>")
    def sca_page(authorisation_id: str):
        found = state.authorisation(authorisation_id)
        if found is None or found.approach != "redirect" or found.status in FINAL:
            return Response("unknown or finished authorisation", 400, mimetype="text/plain")
        return _page(state, found, "")

    @bp.post("/sca/<authorisation_id>")
    def sca_decision(authorisation_id: str):
        found = state.authorisation(authorisation_id)
        if found is None or found.approach != "redirect" or found.status in FINAL:
            return Response("unknown or finished authorisation", 400, mimetype="text/plain")
        form = request.form
        approve = form.get("decision") == "approve"
        if approve and not _password_ok(form.get("password", ""), bank.psu_password):
            return _page(state, found, "Unknown username or wrong password.", 401)
        if not conclude(state, found, form.get("username", ""), approve):
            return _back(found.nok_redirect_uri or found.redirect_uri)
        return _back(found.redirect_uri)

    @bp.post("/admin/authorisations/<authorisation_id>")
    def admin_decoupled_answer(authorisation_id: str):
        found = state.authorisation(authorisation_id)
        if found is None or found.approach != "decoupled":
            return jsonify({"error": "no such decoupled authorisation"}), 404
        body = request.get_json(silent=True) or {}
        if not isinstance(body.get("psu"), str) or not isinstance(body.get("approve"), bool):
            return jsonify({"error": 'send {"psu": "<username>", "approve": true|false}'}), 400
        if found.status in FINAL:
            return jsonify({"error": f"the authorisation is {found.status} already"}), 409
        done = conclude(state, found, body["psu"], body["approve"])
        return jsonify({"authorisationId": authorisation_id,
                        "scaStatus": "finalised" if done else "failed"})


def conclude(state: BankState, found: ScaAuthorisation, username: str, approve: bool) -> bool:
    """The PSU's answer: approved with accounts chosen → the consent is valid and the
    authorisation finalised; anything else → the consent rejected, the authorisation failed."""
    bank = state.bank
    consent = state.consent(found.consent_id)
    chosen = _granted(bank, username, consent.access) \
        if approve and consent and username in {a.owner for a in bank.accounts} else ()
    if chosen and state.transition(found.consent_id, AWAITING, AUTHORISED, psu=username,
                                   accounts=chosen):
        state.conclude_authorisation(found.id, "finalised")
        return True
    state.transition(found.consent_id, AWAITING, REJECTED)
    state.conclude_authorisation(found.id, "failed")
    return False


def _page(state: BankState, found: ScaAuthorisation, error: str, status: int = 200):
    consent = state.consent(found.consent_id)
    what = ", ".join(sorted(consent.access)) if consent else ""
    html = render_template_string(PAGE, bank=state.bank, client_id="A payment services provider",
                                  what=what, fields={"authorisation": found.id}, error=error)
    return Response(html, status, mimetype="text/html")


def _back(uri: str):
    return redirect(uri, code=303)
