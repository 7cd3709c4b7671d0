"""Berlin Group NextGenPSD2 1.3.x AIS connector.

Flow: `POST /v1/consents` (with `PSU-IP-Address`, as the PSU is present, and
`TPP-Redirect-Preferred` / `TPP-Explicit-Authorisation-Preferred`) answers `received`, the
approach in `ASPSP-SCA-Approach` and its links (bg_sca.py):

- redirect with the OAuth2 pre-step (`scaOAuth`): the PSU authorises at the bank's OAuth
  server with `scope=AIS:<consentId>` and PKCE S256; the code becomes the PSU's tokens;
- redirect (`startAuthorisation`): `start_authorisation` opens an authorisation with
  `TPP-Redirect-URI` / `TPP-Nok-Redirect-URI`, the PSU signs in at its `scaRedirect` and comes
  back; the consent's status says whether it is valid. No token: `Consent-ID` authorises;
- decoupled: `start_authorisation` answers a `psuMessage`; the PSU approves in the bank's app
  while `sca_status` / `await_decoupled` poll `scaStatus` at the bank's advised interval.

A bank that requires signed requests gets `Digest`, `Signature` and
`TPP-Signature-Certificate` on every call (bg_signing.py). Data calls carry `X-Request-ID`,
`Consent-ID` and the bearer token when there is one; PSU-present reads carry
`PSU-IP-Address`, others count against `frequencyPerDay`. Transactions are read with
`bookingStatus=both` and `dateFrom` / `dateTo` (Berlin Group filters by date), page by page
through `_links.next`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from aggregation.connectors import bg_mapping, bg_sca, bg_signing, bg_txn_mapping, errors
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
from core.db import utcnow

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

    def __init__(self, bank, client: httpx.Client, auth, *,
                 clock: Callable[[], dt.datetime] = utcnow,
                 signer: bg_signing.SealSigner | None = None) -> None:
        super().__init__(bank, client, auth, clock=clock)
        self.request_auth = signer
        self.poll_seconds = bank.sca_poll_seconds
        self.deadline_seconds = bank.sca_deadline_seconds

    def create_consent(self, request: ConsentRequest) -> BankConsent:
        body = {
            "access": access_for(request.permissions),
            "recurringIndicator": request.recurring,
            "validUntil": request.expires_at.date().isoformat() if request.expires_at
            else MAX_DATE,
            "frequencyPerDay": request.frequency_per_day if request.recurring else 1,
            "combinedServiceIndicator": False,
        }
        headers = {"TPP-Redirect-Preferred": "true",
                   "TPP-Explicit-Authorisation-Preferred": "true"}
        response = self._send("POST", "/v1/consents", headers, json_body=body, expect=201,
                              psu_ip=request.psu_ip)
        answer = self.transport.json(response)
        try:
            approach = bg_sca.approach_of(self.bank_id,
                                          response.headers.get("ASPSP-SCA-Approach"),
                                          answer if isinstance(answer, dict) else {})
        except errors.ScaFailed:
            self._abandon(answer)
            raise
        return bg_mapping.consent(self.bank_id, answer,
                                  frequency_per_day=body["frequencyPerDay"],
                                  sca_approach=approach)

    def _abandon(self, answer: Any) -> None:
        """Delete a consent the bank made but we cannot authorise (an embedded-only bank), so
        nothing half-made is left at the bank; best effort, the refusal is what matters."""
        consent_id = answer.get("consentId") if isinstance(answer, dict) else None
        if isinstance(consent_id, str) and consent_id:
            try:
                self.delete_consent(consent_id)
            except errors.BankError:
                pass

    def get_consent(self, consent_id: str) -> BankConsent:
        response = self._send("GET", f"/v1/consents/{quote(consent_id, safe='')}", {})
        return bg_mapping.consent(self.bank_id, self.transport.json(response),
                                  consent_id=consent_id)

    def authorisation_redirect(self, consent_id: str, *, redirect_uri: str,
                               state: str) -> AuthorisationRedirect:
        return self.oauth.redirect({"scope": f"AIS:{consent_id}"}, redirect_uri=redirect_uri,
                                   state=state)

    def start_authorisation(self, consent_id: str, *, redirect_uri: str,
                            state: str) -> bg_sca.ScaStarted:
        """Open an authorisation of the consent (redirect without OAuth, or decoupled). The
        PSU comes back to `redirect_uri?state=…` (with `error=access_denied` on a refusal)."""
        separator = "&" if "?" in redirect_uri else "?"
        back = f"{redirect_uri}{separator}{urlencode({'state': state})}"
        headers = {"TPP-Redirect-Preferred": "true", "TPP-Redirect-URI": back,
                   "TPP-Nok-Redirect-URI": f"{back}&error=access_denied"}
        response = self._send("POST", f"{self._consent_path(consent_id)}/authorisations",
                              headers, json_body={}, expect=201)
        return bg_sca.started(self.bank_id, response.headers.get("ASPSP-SCA-Approach"),
                              self.transport.json(response))

    def sca_status(self, consent_id: str, authorisation_id: str) -> bg_sca.ScaProgress:
        """One look at the authorisation's `scaStatus`, with the bank's advised wait
        (`Retry-After`) before the next, or this bank's configured interval."""
        path = f"{self._consent_path(consent_id)}/authorisations/" \
            f"{quote(authorisation_id, safe='')}"
        response = self._send("GET", path, {})
        advised = retry_after(response)
        return bg_sca.progress(self.bank_id, self.transport.json(response),
                               self.poll_seconds if advised is None else advised)

    def await_decoupled(self, consent_id: str, authorisation_id: str, *,
                        deadline_seconds: float | None = None,
                        sleep: Callable[[float], None] = time.sleep,
                        monotonic: Callable[[], float] = time.monotonic) -> bg_sca.ScaProgress:
        """Poll until the PSU has approved in the bank's app (`finalised`), honouring the
        bank's interval; `ScaFailed` when refused (`sca_failed`), or once the next look would
        come after the deadline (`sca_timeout`) (this bank's `sca_deadline_seconds` by default)."""
        end = monotonic() + (self.deadline_seconds if deadline_seconds is None
                             else deadline_seconds)
        while True:
            progress = self.sca_status(consent_id, authorisation_id)
            if progress.done:
                return progress
            if progress.failed:
                raise errors.ScaFailed(self.bank_id, detail=progress.sca_status)
            wait = progress.retry_after if progress.retry_after is not None \
                else self.poll_seconds
            if monotonic() + wait > end:
                raise errors.ScaFailed(self.bank_id, "sca_timeout", detail=progress.sca_status)
            sleep(wait)

    def _consent_path(self, consent_id: str) -> str:
        return f"/v1/consents/{quote(consent_id, safe='')}"

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
        """Without the OAuth2 pre-step there is no token: the Consent-ID alone authorises."""
        if not access.access_token:
            return {"Consent-ID": access.consent_id}
        return {"Consent-ID": access.consent_id, "Authorization": f"Bearer {access.access_token}"}

    def _error(self, response: httpx.Response) -> errors.BankError:
        status = response.status_code
        body = self.transport.maybe_json(response) if status < 500 else None
        codes = listed_codes(body, "tppMessages", "code")
        gone = [CONSENT_GONE[c] for c in codes if c in CONSENT_GONE]
        if gone:
            return errors.ConsentGone(self.bank_id, gone[0], " ".join(codes))
        refused = [c for c in codes if c in bg_signing.REFUSALS]
        if refused:
            return bg_signing.REFUSALS[refused[0]](self.bank_id, refused[0].lower(),
                                                   f"{status} {' '.join(codes)}")
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
