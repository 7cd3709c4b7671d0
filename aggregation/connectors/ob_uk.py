"""UK Open Banking Read/Write v4.0 AIS connector.

Flow: a client-credentials token (scope `accounts`) creates `/account-access-consents`; the PSU
authorises at the bank (authorise URL names the consent as `openbanking_intent_id`, PKCE S256);
the code becomes the PSU's tokens; `/accounts`, `/accounts/{AccountId}/balances` and
`/accounts/{AccountId}/transactions` (page by page through `Links.Next`) are read with them.
PSU-present reads carry `x-fapi-customer-ip-address`.

A bank whose registry entry names its `discovery_url` is reached under the OB security profile
(FAPI 1.0 Advanced, see ob_security.py): the authorise step is a signed request object, by
value or through the bank's PAR endpoint when its discovery names one, asking for the response
type it advertises (`code` with JARM when it lists `response_mode` `jwt`, else hybrid
`code id_token`); `complete_authorisation` checks the bank's answer before the code is used;
and our token-endpoint authentication is the first of ours the bank's discovery lists.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from aggregation.connectors import errors, ob_mapping, ob_security, ob_txn_mapping
from aggregation.connectors.base import (
    AuthorisationRedirect,
    BankAccess,
    BankConsent,
    ConsentRequest,
    TokenSet,
)
from aggregation.connectors.client_auth import ClientAuth, Pkce
from aggregation.connectors.oauth import OAuthConnector
from aggregation.connectors.transport import listed_codes, retry_after
from aggregation.domain import Account, Balance, iso_utc
from aggregation.transaction import TransactionPage
from core.db import utcnow

CONSENT_GONE_CODES = {"U009": "consent_invalid", "U028": "reauthenticate"}


class ObUkConnector(OAuthConnector):
    standard = "ob-uk-4.0"

    def __init__(self, bank, client: httpx.Client, auth: ClientAuth, *,
                 clock: Callable[[], datetime] = utcnow,
                 signer: ob_security.RequestSigner | None = None,
                 auth_methods: Sequence[tuple[str, ClientAuth]] = ()) -> None:
        super().__init__(bank, client, auth, clock=clock)
        self._lock = threading.Lock()
        self._client_token: TokenSet | None = None
        discovery = bank.discovery_url
        self.metadata = ob_security.BankMetadata(bank.id, self.transport, discovery) \
            if discovery else None
        self.signer = signer
        self._auth_methods = tuple(auth_methods)
        self._auth_chosen = self.metadata is None or not self._auth_methods

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
        if self.metadata is None:
            return self.oauth.redirect({"scope": f"openid {self.bank.scope}",
                                        "openbanking_intent_id": consent_id},
                                       redirect_uri=redirect_uri, state=state)
        return self._signed_redirect(consent_id, redirect_uri, state)

    def complete_authorisation(self, params: Mapping[str, str], *, state: str, nonce: str,
                               consent_id: str) -> ob_security.AuthorisationAnswer:
        """The bank's answer as the PSU's browser brought it back (query, or the fragment of
        a hybrid answer), checked: the code to exchange, or the error the bank reported."""
        if self.metadata is None:
            if params.get("state") != state:
                raise errors.SecurityProfileViolation(self.bank_id, "state_mismatch")
            return ob_security.AuthorisationAnswer(params.get("code"), params.get("error"))
        return ob_security.check_answer(self.metadata, params, client_id=self.oauth.auth.client_id,
                                        state=state, nonce=nonce, consent_id=consent_id,
                                        now=self.clock().timestamp())

    def exchange_code(self, code: str, *, redirect_uri: str, code_verifier: str) -> TokenSet:
        self._negotiate_auth()
        return super().exchange_code(code, redirect_uri=redirect_uri,
                                     code_verifier=code_verifier)

    def refresh(self, refresh_token: str) -> TokenSet:
        self._negotiate_auth()
        return super().refresh(refresh_token)

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

    # the security profile ------------------------------------------------------------------

    def _signed_redirect(self, consent_id: str, redirect_uri: str,
                         state: str) -> AuthorisationRedirect:
        if self.signer is None:
            raise errors.SecurityProfileViolation(self.bank_id, "no_request_signing_key",
                                                  "configure request_signing_key_ref")
        document = self.metadata.document()
        if self.metadata.supports("response_modes_supported", "jwt") and \
                self.metadata.supports("response_types_supported", "code"):
            response_type, response_mode = "code", "jwt"
        elif self.metadata.supports("response_types_supported", "code id_token"):
            response_type, response_mode = "code id_token", None
        else:
            raise errors.SecurityProfileViolation(self.bank_id, "response_type_unsupported",
                                                  "neither JARM nor code id_token advertised")
        pkce, nonce = Pkce.new(), secrets.token_urlsafe(24)
        scope = f"openid {self.bank.scope}"
        signed = ob_security.request_object(
            self.signer, issuer=document["issuer"], consent_id=consent_id,
            redirect_uri=redirect_uri, scope=scope, state=state, nonce=nonce,
            code_challenge=pkce.challenge, response_type=response_type,
            response_mode=response_mode, now=self.clock().timestamp())
        query = {"client_id": self.signer.client_id, "response_type": response_type,
                 "scope": scope}
        par = document.get("pushed_authorization_request_endpoint")
        if isinstance(par, str):
            query["request_uri"] = self._push(par, signed)
        else:
            query["request"] = signed
        endpoint = document["authorization_endpoint"]
        separator = "&" if "?" in endpoint else "?"
        return AuthorisationRedirect(endpoint + separator + urlencode(query), state,
                                     pkce.verifier, nonce)

    def _push(self, par_url: str, signed: str) -> str:
        """PAR (RFC 9126): the request object pushed with our client authentication."""
        self._negotiate_auth()
        form = {"request": signed}
        headers = {"Accept": "application/json", **self.oauth.auth.apply(form, par_url)}
        response = self.transport.send("POST", par_url, headers=headers, form=form)
        if response.status_code not in (200, 201):
            body = self.transport.maybe_json(response)
            error = body.get("error") if isinstance(body, dict) else None
            if response.status_code == 401 or error == "invalid_client":
                raise errors.BankUnauthorised(self.bank_id, "invalid_client", "PAR endpoint")
            raise errors.SecurityProfileViolation(self.bank_id, "request_object_refused",
                                                  f"PAR {response.status_code} {error or ''}")
        body = self.transport.json(response)
        uri = body.get("request_uri") if isinstance(body, dict) else None
        if not isinstance(uri, str) or not uri:
            raise errors.BadPayload(self.bank_id, detail="PAR answer lacks request_uri")
        return uri

    def _negotiate_auth(self) -> None:
        """Token-endpoint authentication: the first of our methods the bank's discovery lists
        in `token_endpoint_auth_methods_supported` (ours are in order of preference)."""
        if self._auth_chosen:
            return
        for method, auth in self._auth_methods:
            if self.metadata.supports("token_endpoint_auth_methods_supported", method):
                self.oauth.auth, self._auth_chosen = auth, True
                return
        raise errors.SecurityProfileViolation(
            self.bank_id, "client_auth_unsupported",
            "the bank lists none of " + ", ".join(m for m, _ in self._auth_methods))

    # plumbing ----------------------------------------------------------------------------------

    def _client_bearer(self, renew: bool = False) -> str:
        """A client-credentials token, reused until a minute before it expires."""
        self._negotiate_auth()
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

