"""UK Open Banking Read/Write v4.0 AIS endpoints of a sandbox bank, under
`/open-banking/v4.0/aisp`: account-access-consents, accounts, balances and transactions
(ob_transactions.py).

Shapes follow `OBReadConsent1`/`OBReadConsentResponse1`, `OBReadAccount6`, `OBReadBalance1`
and `OBErrorResponse1`. 401 and 429 answer with headers only (`WWW-Authenticate`,
`Retry-After`), as the specification defines them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from flask import Blueprint, Response, jsonify, request, url_for

from sandbox import ob_transactions
from sandbox.bank import iso_utc
from sandbox.seed import SeedAccount
from sandbox.state import AUTHORISED, BankState, Consent
from sandbox.state import OB_STATUS as STATUS

PREFIX = "/open-banking/v4.0/aisp"
PERMISSIONS = frozenset("""ReadAccountsBasic ReadAccountsDetail ReadBalances
ReadBeneficiariesBasic ReadBeneficiariesDetail ReadDirectDebits ReadOffers ReadPAN ReadParty
ReadPartyPSU ReadProducts ReadScheduledPaymentsBasic ReadScheduledPaymentsDetail
ReadStandingOrdersBasic ReadStandingOrdersDetail ReadStatementsBasic ReadStatementsDetail
ReadTransactionsBasic ReadTransactionsCredits ReadTransactionsDebits
ReadTransactionsDetail""".split())


def ob_error(status: int, code: str, message: str, path: str | None = None) -> Response:
    error = {"ErrorCode": code, "Message": message}
    if path:
        error["Path"] = path
    response = jsonify({"Id": str(uuid.uuid4())[:40], "Errors": [error]})
    response.status_code = status
    return response


def unauthorised() -> Response:
    return Response(status=401, headers={
        "WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired or unknown"'})


def register(bp: Blueprint, state: BankState) -> None:
    bank = state.bank

    def bearer(kind: str):
        header = request.headers.get("Authorization", "")
        token, problem = state.token(header[7:]) if header.startswith("Bearer ") else (None, "x")
        if problem or token is None or token.kind != kind:
            return None, unauthorised()
        return token, None

    def data_consent(*needed: str):
        token, refusal = bearer("psu")
        if refusal:
            return None, refusal
        consent = state.consent(token.consent_id)
        if consent is None or consent.status != AUTHORISED:
            status = STATUS[consent.status] if consent else "unknown"
            return None, ob_error(403, "U009", f"The consent is {status}.")
        if not any(p in consent.permissions for p in needed):
            return None, ob_error(403, "U008", "The consent does not permit this resource.")
        return consent, None

    def own_consent(consent_id: str):
        """The calling client's consent; another client's is as unknown as a missing one."""
        token, refusal = bearer("client")
        if refusal:
            return None, refusal
        consent = state.consent(consent_id)
        if consent is None or consent.client_id != token.client_id:
            return None, ob_error(400, "U011", "No such consent.", "ConsentId")
        return consent, None

    def answer(data: dict, status: int = 200) -> Response:
        response = jsonify({"Data": data, "Links": {"Self": request.base_url},
                            "Meta": {"TotalPages": 1}})
        response.status_code = status
        return response

    @bp.post(f"{PREFIX}/account-access-consents")
    def create_consent():
        token, refusal = bearer("client")
        if refusal:
            return refusal
        body = request.get_json(silent=True)
        data = body.get("Data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or not isinstance(body.get("Risk"), dict):
            return ob_error(400, "U004", "Data and Risk are required.", "Data")
        permissions = data.get("Permissions")
        if not isinstance(permissions, list) or not permissions or \
                not set(permissions) <= PERMISSIONS:
            return ob_error(400, "U002", "Permissions are missing or unknown.",
                            "Data.Permissions")
        expires = _moment(data.get("ExpirationDateTime"))
        if expires is False or (expires and expires <= state.now()):
            return ob_error(400, "U003", "ExpirationDateTime is not a future date-time.",
                            "Data.ExpirationDateTime")
        consent = state.add_consent(client_id=token.client_id, permissions=tuple(permissions),
                                    expires=expires or None,
                                    transaction_from=data.get("TransactionFromDateTime"),
                                    transaction_to=data.get("TransactionToDateTime"),
                                    frequency_per_day=bank.unattended_reads_per_day)
        response = jsonify(_render_consent(consent, url_for(
            ".ob_consent", consent_id=consent.id, _external=True)))
        response.status_code = 201
        return response

    @bp.get(f"{PREFIX}/account-access-consents/<consent_id>")
    def ob_consent(consent_id: str):
        consent, refusal = own_consent(consent_id)
        if refusal:
            return refusal
        return jsonify(_render_consent(consent, request.base_url))

    @bp.delete(f"{PREFIX}/account-access-consents/<consent_id>")
    def delete_consent(consent_id: str):
        consent, refusal = own_consent(consent_id)
        if refusal:
            return refusal
        state.terminate_by_tpp(consent)
        return Response(status=204)

    @bp.get(f"{PREFIX}/accounts")
    def accounts():
        consent, refusal = data_consent("ReadAccountsBasic", "ReadAccountsDetail")
        if refusal:
            return refusal
        detail = "ReadAccountsDetail" in consent.permissions
        return answer({"Account": [_render_account(a, detail, state.now())
                                   for a in _held(bank, consent)]})

    @bp.get(f"{PREFIX}/accounts/<account_id>/balances")
    def account_balances(account_id: str):
        return balances_for(account_id)

    @bp.get(f"{PREFIX}/balances")
    def all_balances():
        return balances_for(None)

    ob_transactions.register(bp, state, PREFIX, data_consent, ob_error)

    def balances_for(account_id: str | None):
        consent, refusal = data_consent("ReadBalances")
        if refusal:
            return refusal
        held = [a for a in _held(bank, consent) if account_id in (None, a.id)]
        if account_id is not None and not held:
            return ob_error(403, "U008", "The account is not part of this consent.",
                            "AccountId")
        if not request.headers.get("x-fapi-customer-ip-address"):
            for account in held:
                if not state.count_unattended(consent, account.id,
                                              bank.unattended_reads_per_day):
                    return Response(status=429, headers={
                        "Retry-After": str(state.seconds_to_midnight())})
        now = state.now()
        return answer({"Balance": [_render_balance(a, b, now) for a in held for b in a.balances]})


def _held(bank, consent: Consent) -> list[SeedAccount]:
    return [a for a in bank.accounts if a.id in consent.accounts]


def _moment(value) -> dt.datetime | None | bool:
    """None when absent, False when not an ISO 8601 date-time with a zone."""
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return moment if moment.utcoffset() is not None else False


def _render_consent(consent: Consent, self_url: str) -> dict:
    data = {"ConsentId": consent.id, "CreationDateTime": iso_utc(consent.created),
            "Status": STATUS[consent.status], "StatusUpdateDateTime": iso_utc(consent.updated),
            "Permissions": list(consent.permissions)}
    if consent.expires:
        data["ExpirationDateTime"] = iso_utc(consent.expires)
    if consent.transaction_from:
        data["TransactionFromDateTime"] = consent.transaction_from
    if consent.transaction_to:
        data["TransactionToDateTime"] = consent.transaction_to
    return {"Data": data, "Risk": {}, "Links": {"Self": self_url}, "Meta": {}}


def _render_account(account: SeedAccount, detail: bool, now: dt.datetime) -> dict:
    body = {"AccountId": account.id, "Status": "Enabled", "StatusUpdateDateTime": iso_utc(now),
            "Currency": account.currency, "AccountCategory": "Personal",
            "AccountTypeCode": account.product, "Nickname": account.name}
    if detail:
        body["Account"] = [{"SchemeName": f"UK.OBIE.{account.scheme}",
                            "Identification": account.identification, "Name": account.name}]
    return body


def _amount(value: Decimal, currency: str) -> dict:
    return {"Amount": f"{abs(value):.2f}", "Currency": currency}


def _render_balance(account: SeedAccount, balance, now: dt.datetime) -> dict:
    body = {"AccountId": account.id,
            "CreditDebitIndicator": "Debit" if balance.amount < 0 else "Credit",
            "Type": balance.code, "DateTime": iso_utc(now),
            "Amount": _amount(balance.amount, account.currency)}
    if balance.credit_lines:
        body["CreditLine"] = [{"Included": line.included, "Type": line.type,
                               "Amount": _amount(line.amount, account.currency)}
                              for line in balance.credit_lines]
    return body
