"""Demo mode: the demo customer authorises a consent across the sandbox banks, for the portal.

The developer portal's console (/docs) asks for a Budgeting App token for alice. A PSU token
needs a consent the customer authorised at each bank, and the sandbox banks keep their consents
and tokens in this process's memory, so the consent is made here, in the serving process, when
the console first asks: it is created as the Budgeting App would (ReadAccountsDetail,
ReadBalances, one day), then alice signs in at each sandbox bank's own page and approves (the
same form a browser posts; `aggregation.psu_browser`), and finally allows access on our consent
screen's terms. Everything goes through the consent service, so the audit trail records it as
alice's authorisation. The consent is reused while it stays authorised.

Only registered when both DEMO_DATA and SANDBOX_BANKS_ENABLED are on.
"""

from __future__ import annotations

import datetime as dt
import threading

import httpx
from flask import current_app, request, url_for

from aggregation.psu_browser import SignInRefused
from aggregation.psu_browser import authorise as sign_in_at_bank
from auth.portal import DemoConsentUnavailable
from consent import authorisation, bankflow
from consent import service as consent_service
from consent.api import base_url
from consent.audit import Actor
from consent.errors import ObProblem

PERMISSIONS = ("ReadAccountsDetail", "ReadBalances")
LIFETIME = dt.timedelta(days=1)
# what the authorisation record says about where the PSU came from: the portal, not a PAR
PORTAL_REQUEST = "urn:openbanking-hub:portal-demo"

_lock = threading.Lock()


def authoriser(app, psu_password: str):
    """The `auth.portal` consent authoriser for this app."""
    memo: dict[tuple[str, str], str] = {}

    def authorise(client_id: str, client_name: str, psu_id: str, username: str) -> str:
        with _lock:
            known = memo.get((client_id, psu_id))
            if known and _still_authorised(known, client_id):
                return known
            memo[(client_id, psu_id)] = _authorise(app, client_id, client_name, psu_id,
                                                   username, psu_password)
            return memo[(client_id, psu_id)]

    return authorise


def _still_authorised(consent_id: str, client_id: str) -> bool:
    with current_app.extensions["session_factory"]() as session:
        try:
            consent_service.get_authorised_consent(session, consent_id, client_id)
        except ObProblem:
            return False
    return True


def _authorise(app, client_id, client_name, psu_id, username, psu_password) -> str:
    adapters = app.extensions["consent"]
    expiry = (adapters.now() + LIFETIME).replace(microsecond=0)
    body = {"Data": {"Permissions": list(PERMISSIONS),
                     "ExpirationDateTime": expiry.isoformat().replace("+00:00", "Z")},
            "Risk": {}}
    with app.extensions["session_factory"]() as session:
        _, document = consent_service.create_consent(
            session, consent_service.Tpp(client_id, client_name), body,
            self_url_base=base_url(), idempotency_key=None,
            actor=Actor("tpp", client_id), adapters=adapters)
        consent_id = document["Data"]["ConsentId"]
        ticket, secret = authorisation.begin(
            session, consent_id=consent_id, client_id=client_id, psu_id=psu_id,
            request_uri=PORTAL_REQUEST, interaction=PORTAL_REQUEST, adapters=adapters)
        refusals = []
        with httpx.Client(transport=httpx.WSGITransport(app=app), timeout=10) as browser:
            for bank in bankflow.list_banks(adapters):
                refusal = _connect(session, browser, ticket, secret, bank.id, username,
                                   psu_password, adapters)
                if refusal:
                    refusals.append(f"{bank.id}: {refusal}")
        try:
            authorisation.decide(session, ticket, secret, approve=True, adapters=adapters)
        except authorisation.NoBankAuthorised as exc:
            raise DemoConsentUnavailable("no sandbox bank granted access ("
                                    + "; ".join(refusals) + ")") from exc
    return consent_id


def _connect(session, browser, ticket, secret, bank_id, username, password, adapters):
    """Connect one bank as the PSU would; return why it did not work, or None."""
    redirect_uri = current_app.config["ISSUER"] + url_for("consent_pages.bank_callback",
                                                          bank_id=bank_id)
    try:
        # the Berlin Group banks require the PSU's IP address: the console user's stands in
        url = authorisation.start_bank(session, ticket, secret, bank_id,
                                       redirect_uri=redirect_uri, adapters=adapters,
                                       psu_ip=request.remote_addr)
        answer = sign_in_at_bank(url, username, password, client=browser)
    except bankflow.BankFailure as exc:
        return exc.kind
    except SignInRefused as exc:
        return str(exc)
    authorisation.bank_callback(session, bank_id, answer=answer, redirect_uri=redirect_uri,
                                adapters=adapters)
    return answer.get("error")
