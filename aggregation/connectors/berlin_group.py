"""Berlin Group NextGenPSD2 1.3.x AIS connector (OAuth2 SCA approach).

Flow: `POST /v1/consents` (with `PSU-IP-Address`, as the PSU is present) answers `received` and
a `scaOAuth` link; the PSU authorises at the bank's OAuth server with `scope=AIS:<consentId>`
and PKCE S256; the code becomes the PSU's tokens. Data calls carry `X-Request-ID`,
`Consent-ID` and the bearer token; PSU-present reads carry `PSU-IP-Address`, others count
against `frequencyPerDay`. Transactions are read with `bookingStatus=both` and `dateFrom` /
`dateTo` (Berlin Group filters by date), page by page through `_links.next`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from aggregation.connectors import bg_mapping, bg_txn_mapping, errors
from aggregation.connectors.base import (
    AuthorisationRedirect,
    BankAccess,
    BankConsent,
    ConsentRequest,
)
from aggregation.connectors.oauth import OAuthConnector
from aggregation.connectors.transport import listed_codes, retry_after
from aggregation.domain import Account, Balance
from aggregation.transaction import TransactionPage

CONSENT_GONE = {"CONSENT_INVALID": "consent_revoked", "CONSENT_EXPIRED": "consent_expired",
                "CONSENT_UNKNOWN": "consent_unknown"}
TOKEN_DEAD = ("TOKEN_EXPIRED", "TOKEN_INVALID", "TOKEN_UNKNOWN")
MAX_DATE = "9999-12-31"


def access_for(permissions: tuple[str, ...]) -> dict:
    """OB permissions → a bank-offered BG `access` (empty lists: the PSU picks the accounts)."""
    access: dict = {}
    if any(p.startswith("ReadAccounts") for p in permissions):
        access["accounts"] = []
    if "ReadBalances" in permissions:
        access["balances"] = []
    if any(p.startswith("ReadTransactions") for p in permissions):
        access["transactions"] = []
    return access


class BerlinGroupConnector(OAuthConnector):
    standard = "berlin-group-1.3"

    def create_consent(self, request: ConsentRequest) -> BankConsent:
        body = {
            "access": access_for(request.permissions),
            "recurringIndicator": request.recurring,
            "validUntil": request.expires_at.date().isoformat() if request.expires_at
            else MAX_DATE,
            "frequencyPerDay": request.frequency_per_day if request.recurring else 1,
            "combinedServiceIndicator": False,
        }
        headers = {"TPP-Redirect-Preferred": "true"}
        response = self._send("POST", "/v1/consents", headers, json_body=body, expect=201,
                              psu_ip=request.psu_ip)
        return bg_mapping.consent(self.bank_id, self.transport.json(response),
                                  frequency_per_day=body["frequencyPerDay"])

    def get_consent(self, consent_id: str) -> BankConsent:
        response = self._send("GET", f"/v1/consents/{quote(consent_id, safe='')}", {})
        return bg_mapping.consent(self.bank_id, self.transport.json(response),
                                  consent_id=consent_id)

    def authorisation_redirect(self, consent_id: str, *, redirect_uri: str,
                               state: str) -> AuthorisationRedirect:
        return self.oauth.redirect({"scope": f"AIS:{consent_id}"}, redirect_uri=redirect_uri,
                                   state=state)

    def delete_consent(self, consent_id: str, *, access_token: str | None = None) -> None:
        headers = {"Authorization": f"Bearer {access_token}"} if access_token else {}
        try:
            self._send("DELETE", f"/v1/consents/{quote(consent_id, safe='')}", headers,
                       expect=204)
        except errors.ConsentGone:
            return

    interaction_header = "X-Request-ID"
    psu_ip_header = "PSU-IP-Address"
    accounts_path = "/v1/accounts"
    balances_path = "/v1/accounts/{}/balances"

    def _accounts(self, body: Any) -> list[Account]:
        return bg_mapping.accounts(self.bank_id, body)

    def _balances(self, body: Any, account_id: str) -> list[Balance]:
        return bg_mapping.balances(self.bank_id, body, account_id)

    def _listing(self, account_id: str, booked_from: dt.datetime,
                 booked_to: dt.datetime | None) -> str:
        query = {"bookingStatus": "both", "dateFrom": booked_from.date().isoformat()}
        if booked_to is not None:
            query["dateTo"] = booked_to.date().isoformat()
        return f"/v1/accounts/{quote(account_id, safe='')}/transactions?{urlencode(query)}"

    def _transaction_page(self, access: BankAccess, account_id: str, path: str, *,
                          psu_ip: str | None, timeout: float | None) -> TransactionPage:
        response = self._send("GET", path, self._data_headers(access), psu_ip=psu_ip,
                              timeout=timeout)
        return bg_txn_mapping.page(self.bank_id, self.transport.json(response), account_id,
                                   self.clock())

    def _data_headers(self, access: BankAccess) -> dict[str, str]:
        return {"Consent-ID": access.consent_id, "Authorization": f"Bearer {access.access_token}"}

    def _error(self, response: httpx.Response) -> errors.BankError:
        status = response.status_code
        body = self.transport.maybe_json(response) if status < 500 else None
        codes = listed_codes(body, "tppMessages", "code")
        gone = [CONSENT_GONE[c] for c in codes if c in CONSENT_GONE]
        if gone:
            return errors.ConsentGone(self.bank_id, gone[0], " ".join(codes))
        if status == 429:
            return errors.RateLimited(self.bank_id, detail=" ".join(codes),
                                      retry_after=retry_after(response))
        if status >= 500:
            return errors.BankServerError(self.bank_id, detail=str(status),
                                          retry_after=retry_after(response))
        if status == 401:
            if any(c in TOKEN_DEAD for c in codes):
                return errors.TokenExpired(self.bank_id, detail=" ".join(codes))
            return errors.BankUnauthorised(self.bank_id, detail=" ".join(codes) or "401")
        return errors.BankRejected(self.bank_id, detail=f"{status} {' '.join(codes)}".strip())
