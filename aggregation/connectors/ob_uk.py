"""UK Open Banking Read/Write v4.0 AIS connector.

Flow: a client-credentials token (scope `accounts`) creates `/account-access-consents`; the PSU
authorises at the bank (authorise URL names the consent as `openbanking_intent_id`, PKCE S256);
the code becomes the PSU's tokens; `/accounts`, `/accounts/{AccountId}/balances` and
`/accounts/{AccountId}/transactions` (page by page through `Links.Next`) are read with them.
PSU-present reads carry `x-fapi-customer-ip-address`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from aggregation.connectors import errors, ob_mapping, ob_txn_mapping
from aggregation.connectors.base import (
    AuthorisationRedirect,
    BankAccess,
    BankConsent,
    ConsentRequest,
    TokenSet,
)
from aggregation.connectors.client_auth import ClientAuth
from aggregation.connectors.oauth import OAuthConnector, utcnow
from aggregation.connectors.transport import listed_codes, retry_after
from aggregation.domain import Account, Balance, iso_utc
from aggregation.transaction import TransactionPage

CONSENT_GONE_CODES = {"U009": "consent_invalid", "U028": "reauthenticate"}


class ObUkConnector(OAuthConnector):
    standard = "ob-uk-4.0"

    def __init__(self, bank, client: httpx.Client, auth: ClientAuth, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        super().__init__(bank, client, auth, clock=clock)
        self._lock = threading.Lock()
        self._client_token: TokenSet | None = None

    # consent and OAuth -----------------------------------------------------------------------

    def create_consent(self, request: ConsentRequest) -> BankConsent:
        data: dict = {"Permissions": list(request.permissions)}
        for key, value in (("ExpirationDateTime", request.expires_at),
                           ("TransactionFromDateTime", request.transaction_from),
                           ("TransactionToDateTime", request.transaction_to)):
            if value is not None:
                data[key] = iso_utc(value)
        response = self._client_call("POST", "/account-access-consents",
                                     json_body={"Data": data, "Risk": {}}, expect=201,
                                     psu_ip=request.psu_ip)
        return ob_mapping.consent(self.bank_id, self.transport.json(response))

    def get_consent(self, consent_id: str) -> BankConsent:
        response = self._client_call("GET",
                                     f"/account-access-consents/{quote(consent_id, safe='')}")
        return ob_mapping.consent(self.bank_id, self.transport.json(response))

    def authorisation_redirect(self, consent_id: str, *, redirect_uri: str,
                               state: str) -> AuthorisationRedirect:
        return self.oauth.redirect({"scope": f"openid {self.bank.scope}",
                                    "openbanking_intent_id": consent_id},
                                   redirect_uri=redirect_uri, state=state)

    def delete_consent(self, consent_id: str, *, access_token: str | None = None) -> None:
        try:
            self._client_call("DELETE", f"/account-access-consents/{quote(consent_id, safe='')}",
                              expect=204)
        except errors.ConsentGone:
            return  # already revoked or expired at the bank: nothing left to delete

    # data --------------------------------------------------------------------------------------

    interaction_header = "x-fapi-interaction-id"
    psu_ip_header = "x-fapi-customer-ip-address"
    accounts_path = "/accounts"
    balances_path = "/accounts/{}/balances"

    def _data_headers(self, access: BankAccess) -> dict[str, str]:
        return {"Authorization": f"Bearer {access.access_token}"}

    def _accounts(self, body: Any) -> list[Account]:
        return ob_mapping.accounts(self.bank_id, body)

    def _balances(self, body: Any, account_id: str) -> list[Balance]:
        return ob_mapping.balances(self.bank_id, body)

    def _listing(self, account_id: str, booked_from: datetime,
                 booked_to: datetime | None) -> str:
        query = {"fromBookingDateTime": _utc_stamp(booked_from)}
        if booked_to is not None:  # whole seconds, rounded outwards: nothing at the edge lost
            later = booked_to + timedelta(microseconds=999_999)
            query["toBookingDateTime"] = _utc_stamp(later)
        return f"/accounts/{quote(account_id, safe='')}/transactions?{urlencode(query)}"

    def _transaction_page(self, access: BankAccess, account_id: str, path: str, *,
                          psu_ip: str | None, timeout: float | None) -> TransactionPage:
        response = self._send("GET", path, self._data_headers(access), psu_ip=psu_ip,
                              timeout=timeout)
        return ob_txn_mapping.page(self.bank_id, self.transport.json(response), account_id)

    # plumbing ----------------------------------------------------------------------------------

    def _client_bearer(self, renew: bool = False) -> str:
        """A client-credentials token, reused until a minute before it expires."""
        with self._lock:
            token = None if renew else self._client_token
            fresh = token is not None and (token.expires_at is None or
                                           token.expires_at - timedelta(seconds=60) > self.clock())
            if not fresh:
                self._client_token = token = self.oauth.client_credentials(self.bank.scope)
            return token.access_token

    def _client_call(self, method: str, path: str, **kwargs) -> httpx.Response:
        """A call with our client-credentials token; when the bank refuses a token we still
        thought valid (revoked, bank restarted), one more try with a new one."""
        try:
            return self._call(method, path, self._client_bearer(), **kwargs)
        except errors.BankUnauthorised:
            return self._call(method, path, self._client_bearer(renew=True), **kwargs)

    def _call(self, method: str, path: str, token: str, **kwargs) -> httpx.Response:
        return self._send(method, path, {"Authorization": f"Bearer {token}"}, **kwargs)

    def _error(self, response: httpx.Response) -> errors.BankError:
        status = response.status_code
        if status == 429:
            return errors.RateLimited(self.bank_id, retry_after=retry_after(response))
        if status >= 500:
            return errors.BankServerError(self.bank_id, detail=str(status),
                                          retry_after=retry_after(response))
        if status == 401:
            challenge = response.headers.get("www-authenticate", "")
            if "invalid_token" in challenge:
                return errors.TokenExpired(self.bank_id, detail="401 invalid_token")
            return errors.BankUnauthorised(self.bank_id, detail="401")
        codes = listed_codes(self.transport.maybe_json(response), "Errors", "ErrorCode")
        gone = [CONSENT_GONE_CODES[c] for c in codes if c in CONSENT_GONE_CODES]
        if status in (400, 403) and gone:
            return errors.ConsentGone(self.bank_id, "consent_gone", gone[0])
        if status in (200, 201, 204):
            return errors.BankRejected(self.bank_id, "unexpected_status", str(status))
        return errors.BankRejected(self.bank_id, detail=f"{status} {' '.join(codes)}".strip())


def _utc_stamp(moment: datetime) -> str:
    """OB booking-time filters are UTC to the second, and a bank ignores any zone on them:
    send none."""
    return iso_utc(moment.replace(microsecond=0)).removesuffix("Z")

