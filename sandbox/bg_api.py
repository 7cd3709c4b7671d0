"""Berlin Group NextGenPSD2 1.3.x AIS endpoints of a sandbox bank, under `/v1`: consents,
accounts, balances and transactions (bg_transactions.py). SCA by the bank's profile
(profiles.py): the OAuth2 pre-step (`_links.scaOAuth`), or redirect / decoupled through an
authorisation sub-resource (`_links.startAuthorisation`, bg_sca.py), or embedded
(`_links.startAuthorisationWithPsuAuthentication`); the answer names it in
`ASPSP-SCA-Approach`. A profile with `signing_required` verifies every request's signature
(bg_signature.py).

Every call needs `X-Request-ID` (echoed); data calls need `Consent-ID` and the PSU's bearer
token; `PSU-IP-Address` marks a PSU-present call, and without it each account read counts
against the consent's `frequencyPerDay` (429 `ACCESS_EXCEEDED` past it). Errors are
`tppMessages[]` with the standard's codes.
"""

from __future__ import annotations

import datetime as dt
import uuid

from flask import Blueprint, Response, jsonify, request, url_for

from sandbox import bg_sca, bg_signature, bg_transactions
from sandbox.bank import iso_utc
from sandbox.seed import SeedAccount
from sandbox.state import AUTHORISED, EXPIRED, BankState, Consent
from sandbox.state import BG_STATUS as STATUS

BALANCE_TYPE = {"ITAV": "interimAvailable", "CLBD": "closingBooked", "XPCD": "expected",
                "ITBD": "interimBooked", "OPBD": "openingBooked", "FWAV": "forwardAvailable"}
ACCESS_KEYS = ("accounts", "balances", "transactions", "availableAccounts",
               "availableAccountsWithBalance", "allPsd2")
MAX_VALIDITY = dt.timedelta(days=180)


def bg_error(status: int, code: str, text: str) -> Response:
    response = jsonify({"tppMessages": [{"category": "ERROR", "code": code, "text": text}]})
    response.status_code = status
    return response


def register(bp: Blueprint, state: BankState) -> None:
    bank = state.bank

    @bp.before_request
    def request_id():
        if not (request.url_rule and "/v1/" in request.url_rule.rule):
            return None
        try:
            uuid.UUID(request.headers.get("X-Request-ID", ""))
        except ValueError:
            return bg_error(400, "FORMAT_ERROR", "X-Request-ID (a UUID) is required.")
        return None

    bg_signature.register(bp, state, bg_error)

    @bp.after_request
    def echo_request_id(response: Response) -> Response:
        if "X-Request-ID" in request.headers:
            response.headers["X-Request-ID"] = request.headers["X-Request-ID"]
        return response

    @bp.post("/v1/consents")
    def create_consent():
        if not request.headers.get("PSU-IP-Address"):
            return bg_error(400, "FORMAT_ERROR", "PSU-IP-Address is required.")
        body = request.get_json(silent=True)
        problem = _invalid_consent_body(body, state.now().date())
        if problem:
            return bg_error(400, "FORMAT_ERROR", problem)
        until = min(dt.date.fromisoformat(body["validUntil"]), state.now().date() + MAX_VALIDITY)
        frequency = body["frequencyPerDay"] if body["recurringIndicator"] else 1
        consent = state.add_consent(access=body["access"], recurring=body["recurringIndicator"],
                                    frequency_per_day=frequency,
                                    expires=dt.datetime.combine(until, dt.time.max,
                                                                tzinfo=dt.UTC))
        self_url = url_for(".bg_consent", consent_id=consent.id, _external=True)
        links = {"self": {"href": self_url}, "status": {"href": f"{self_url}/status"}}
        if bank.bg_profile.oauth:
            links["scaOAuth"] = {"href": url_for(".metadata", _external=True)}
        elif bank.bg_profile.sca_approach == "embedded":  # the PSU's password goes with it
            links["startAuthorisationWithPsuAuthentication"] = {
                "href": f"{self_url}/authorisations"}
        else:  # explicit start: the TPP opens an authorisation sub-resource (bg_sca.py)
            links["startAuthorisation"] = {"href": f"{self_url}/authorisations"}
        response = jsonify({"consentStatus": STATUS[consent.status], "consentId": consent.id,
                            "_links": links})
        response.status_code = 201
        response.headers["Location"] = self_url
        response.headers["ASPSP-SCA-Approach"] = bg_sca.APPROACH_HEADER[
            bank.bg_profile.sca_approach]
        return response

    @bp.get("/v1/consents/<consent_id>")
    def bg_consent(consent_id: str):
        consent = state.consent(consent_id)
        if consent is None:
            return bg_error(403, "CONSENT_UNKNOWN", "No such consent.")
        return jsonify({"access": consent.access, "recurringIndicator": consent.recurring,
                        "validUntil": consent.expires.date().isoformat(),
                        "frequencyPerDay": consent.frequency_per_day,
                        "lastActionDate": (consent.last_action or consent.created.date())
                        .isoformat(),
                        "consentStatus": STATUS[consent.status],
                        "_links": {"self": {"href": request.base_url}}})

    @bp.get("/v1/consents/<consent_id>/status")
    def bg_consent_status(consent_id: str):
        consent = state.consent(consent_id)
        if consent is None:
            return bg_error(403, "CONSENT_UNKNOWN", "No such consent.")
        return jsonify({"consentStatus": STATUS[consent.status]})

    @bp.delete("/v1/consents/<consent_id>")
    def bg_delete_consent(consent_id: str):
        consent = state.consent(consent_id)
        if consent is None:
            return bg_error(403, "CONSENT_UNKNOWN", "No such consent.")
        state.terminate_by_tpp(consent)
        return Response(status=204)

    def data_consent(balances: bool, transactions: bool = False):
        consent_id = request.headers.get("Consent-ID")
        if not consent_id:
            return None, bg_error(400, "FORMAT_ERROR", "Consent-ID is required.")
        token_consent = consent_id  # without OAuth, the Consent-ID alone authorises
        if bank.bg_profile.oauth:
            header = request.headers.get("Authorization", "")
            token, problem = state.token(header[7:]) if header.startswith("Bearer ") \
                else (None, "unknown")
            if problem or token is None or token.kind != "psu":
                code = "TOKEN_EXPIRED" if problem == "expired" else "TOKEN_UNKNOWN"
                return None, bg_error(401, code, "The access token is not valid.")
            token_consent = token.consent_id
        consent = state.consent(consent_id)
        if consent is None or token_consent != consent_id:
            return None, bg_error(403, "CONSENT_UNKNOWN", "No such consent for this token.")
        if consent.status == EXPIRED:
            return None, bg_error(401, "CONSENT_EXPIRED", "The consent has expired.")
        if consent.status != AUTHORISED:
            return None, bg_error(401, "CONSENT_INVALID",
                                  f"The consent is {STATUS[consent.status]}.")
        if balances and not ({"balances", "allPsd2", "availableAccountsWithBalance"}
                             & set(consent.access)):
            return None, bg_error(401, "CONSENT_INVALID", "The consent has no balance access.")
        if transactions and not ({"transactions", "allPsd2"} & set(consent.access)):
            return None, bg_error(401, "CONSENT_INVALID",
                                  "The consent has no transaction access.")
        state.set_status(consent, consent.status, last_action=state.now().date())
        return consent, None

    @bp.get("/v1/accounts")
    def bg_accounts():
        consent, refusal = data_consent(balances=False)
        if refusal:
            return refusal
        return jsonify({"accounts": [_render_account(a, bank.bic) for a in _held(bank, consent)]})

    bg_transactions.register(bp, state, data_consent, bg_error)
    bg_sca.register(bp, state, bg_error)

    @bp.get("/v1/accounts/<account_id>/balances")
    def bg_balances(account_id: str):
        consent, refusal = data_consent(balances=True)
        if refusal:
            return refusal
        account = next((a for a in _held(bank, consent) if a.id == account_id), None)
        if account is None:
            return bg_error(404, "RESOURCE_UNKNOWN", "No such account for this consent.")
        if not request.headers.get("PSU-IP-Address") and not state.count_unattended(
                consent, account.id, consent.frequency_per_day):
            response = bg_error(429, "ACCESS_EXCEEDED",
                                "The unattended accesses for today are used up.")
            response.headers["Retry-After"] = str(state.seconds_to_midnight())
            return response
        now = state.now()
        return jsonify({"account": {"iban": account.identification,
                                    "currency": account.currency},
                        "balances": [_render_balance(b, account.currency, now)
                                     for b in account.balances]})


def _invalid_consent_body(body, today: dt.date) -> str:
    if not isinstance(body, dict):
        return "The body is a JSON object."
    access = body.get("access")
    if not isinstance(access, dict) or not any(k in access for k in ACCESS_KEYS):
        return "access is required."
    if not all(isinstance(access.get(k, []), list) for k in ACCESS_KEYS[:3]):
        return "access lists are arrays of account references."
    if not isinstance(body.get("recurringIndicator"), bool) or \
            not isinstance(body.get("combinedServiceIndicator"), bool):
        return "recurringIndicator and combinedServiceIndicator are booleans."
    frequency = body.get("frequencyPerDay")
    if isinstance(frequency, bool) or not isinstance(frequency, int) or frequency < 1:
        return "frequencyPerDay is an integer of at least 1."
    try:
        until = dt.date.fromisoformat(body.get("validUntil"))
    except (TypeError, ValueError):
        return "validUntil is an ISO 8601 date."
    return "validUntil is in the past." if until < today else ""


def _held(bank, consent: Consent) -> list[SeedAccount]:
    return [a for a in bank.accounts if a.id in consent.accounts]


def _render_account(account: SeedAccount, bic: str) -> dict:
    return {"resourceId": account.id, "iban": account.identification,
            "currency": account.currency, "name": account.name, "product": "Girokonto"
            if account.currency == "EUR" else "Fremdwährungskonto",
            "cashAccountType": account.product, "status": "enabled", "bic": bic,
            "usage": "PRIV",
            "_links": {"balances": {"href": url_for(".bg_balances", account_id=account.id)}}}


def _render_balance(balance, currency: str, now: dt.datetime) -> dict:
    return {"balanceAmount": {"currency": currency, "amount": f"{balance.amount:.2f}"},
            "balanceType": BALANCE_TYPE[balance.code],
            "creditLimitIncluded": any(line.included for line in balance.credit_lines),
            "lastChangeDateTime": iso_utc(now),
            "referenceDate": now.date().isoformat()}
