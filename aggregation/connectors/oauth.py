"""The OAuth 2.0 part every bank shares: the authorise URL with PKCE S256 and `state`, and the
token endpoint (authorization_code, refresh_token, client_credentials); and `OAuthConnector`,
the part of a connector that is the same whatever the standard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from aggregation.connectors import paging
from aggregation.connectors.base import AuthorisationRedirect, BankAccess, TokenSet, psu_ip_for
from aggregation.connectors.client_auth import ClientAuth, Pkce
from aggregation.connectors.errors import (
    BankRejected,
    BankServerError,
    BankUnauthorised,
    RateLimited,
)
from aggregation.connectors.payload import Reader
from aggregation.connectors.transport import Transport, interaction_id, retry_after
from aggregation.domain import Account, Balance
from aggregation.transaction import TransactionPage, TransactionPages
from core.db import utcnow


@dataclass(eq=False)
class OAuthClient:
    bank_id: str
    transport: Transport
    auth: ClientAuth
    _: KW_ONLY
    auth_url: str
    token_url: str
    clock: Callable[[], dt.datetime] = utcnow

    def redirect(self, params: dict[str, str], *, redirect_uri: str,
                 state: str) -> AuthorisationRedirect:
        pkce = Pkce.new()
        query = {"response_type": "code", "client_id": self.auth.client_id,
                 "redirect_uri": redirect_uri, "state": state,
                 "code_challenge": pkce.challenge, "code_challenge_method": "S256", **params}
        separator = "&" if "?" in self.auth_url else "?"
        return AuthorisationRedirect(self.auth_url + separator + urlencode(query), state,
                                     pkce.verifier)

    def exchange_code(self, code: str, *, redirect_uri: str, code_verifier: str) -> TokenSet:
        return self.token({"grant_type": "authorization_code", "code": code,
                           "redirect_uri": redirect_uri, "code_verifier": code_verifier})

    def refresh(self, refresh_token: str) -> TokenSet:
        tokens = self.token({"grant_type": "refresh_token", "refresh_token": refresh_token})
        if tokens.refresh_token is None:  # no rotation (FAPI): the old one stays valid
            tokens = TokenSet(tokens.access_token, refresh_token, tokens.expires_at,
                              tokens.scope, tokens.token_type)
        return tokens

    def client_credentials(self, scope: str) -> TokenSet:
        return self.token({"grant_type": "client_credentials", "scope": scope})

    def token(self, form: dict[str, str]) -> TokenSet:
        headers = {"Accept": "application/json", **self.auth.apply(form, self.token_url)}
        response = self.transport.send("POST", self.token_url, headers=headers, form=form)
        if response.status_code != 200:
            raise self._error(response)
        return self._tokens(self.transport.json(response))

    def _tokens(self, body: object) -> TokenSet:
        read = Reader(self.bank_id)
        body = read.obj(body, "$")
        token_type = read.text(body, "token_type", "$")
        if token_type.lower() not in ("bearer", "dpop"):
            raise read.fail("$.token_type", "unsupported token type")
        expires_in = body.get("expires_in")
        if expires_in is not None and (not isinstance(expires_in, int)
                                       or isinstance(expires_in, bool) or expires_in < 0):
            raise read.fail("$.expires_in", "expected a non-negative integer")
        return TokenSet(
            access_token=read.text(body, "access_token", "$"),
            refresh_token=read.text(body, "refresh_token", "$", required=False),
            expires_at=self.clock() + dt.timedelta(seconds=expires_in)
            if expires_in is not None else None,
            scope=read.text(body, "scope", "$", required=False),
            token_type=token_type,
        )

    def _error(self, response: httpx.Response) -> Exception:
        status = response.status_code
        if status == 429:
            return RateLimited(self.bank_id, retry_after=retry_after(response))
        if status >= 500:
            return BankServerError(self.bank_id, detail=f"token endpoint {status}",
                                   retry_after=retry_after(response))
        body = self.transport.maybe_json(response)
        error = body.get("error") if isinstance(body, dict) else None
        if error in ("invalid_grant", "invalid_client", "unauthorized_client") or status == 401:
            return BankUnauthorised(self.bank_id, str(error or "unauthorised"),
                                    f"token endpoint {status}")
        return BankRejected(self.bank_id, detail=f"token endpoint {status} {error or ''}".strip())


class OAuthConnector:
    """What every connector shares: the bank's transport (its timeouts, its pooled client), its
    OAuth client, the code exchange and the refresh. Each standard's connector adds its consent,
    authorise and data calls."""

    def __init__(self, bank, client: httpx.Client, auth: ClientAuth, *,
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self.bank = bank
        self.bank_id = bank.id
        self.api = bank.api_url.rstrip("/")
        self.transport = Transport(bank.id, client, connect=bank.connect_timeout,
                                   read=bank.read_timeout)
        self.oauth = OAuthClient(bank.id, self.transport, auth, auth_url=bank.auth_url,
                                 token_url=bank.token_url, clock=clock)
        self.clock = clock
        self.request_auth: httpx.Auth | None = None  # e.g. a bank that wants signed requests

    def exchange_code(self, code: str, *, redirect_uri: str, code_verifier: str) -> TokenSet:
        return self.oauth.exchange_code(code, redirect_uri=redirect_uri,
                                        code_verifier=code_verifier)

    def refresh(self, refresh_token: str) -> TokenSet:
        return self.oauth.refresh(refresh_token)

    # data: each standard names its resources and maps its answers ----------------------------
    accounts_path = ""  # the accounts resource, under the bank's API base
    balances_path = ""  # one account's balances: formatted with the quoted account id

    def list_accounts(self, access: BankAccess, *, psu_present: bool = False,
                      psu_ip: str | None = None, timeout: float | None = None) -> list[Account]:
        return self._accounts(self._read(access, self.accounts_path, psu_present, psu_ip,
                                         timeout))

    def read_balances(self, access: BankAccess, account_id: str, *, psu_present: bool = False,
                      psu_ip: str | None = None, timeout: float | None = None) -> list[Balance]:
        path = self.balances_path.format(quote(account_id, safe=""))
        return self._balances(self._read(access, path, psu_present, psu_ip, timeout), account_id)

    def _read(self, access: BankAccess, path: str, psu_present: bool, psu_ip: str | None,
              timeout: float | None) -> Any:
        """A read under the PSU's consent: the answer's JSON. The PSU's address goes with it
        only while the PSU is present (`psu_ip_for`)."""
        response = self._send("GET", path, self._data_headers(access), timeout=timeout,
                              psu_ip=psu_ip_for(self.bank_id, psu_present, psu_ip))
        return self.transport.json(response)

    def _data_headers(self, access: BankAccess) -> dict[str, str]:
        raise NotImplementedError

    def _accounts(self, body: Any) -> list[Account]:
        raise NotImplementedError

    def _balances(self, body: Any, account_id: str) -> list[Balance]:
        raise NotImplementedError

    # each standard's names for the request id and the present PSU's address
    interaction_header = ""
    psu_ip_header = ""

    def read_transactions(self, access: BankAccess, account_id: str, *,
                          booked_from: dt.datetime, booked_to: dt.datetime | None = None,
                          cursor: str | None = None, psu_present: bool = False,
                          psu_ip: str | None = None,
                          timeout: float | None = None) -> TransactionPages:
        """The same for every standard: check the window, start at the cursor or at the
        standard's listing (`_listing`), read each page as the standard writes it
        (`_transaction_page`) and follow its links."""
        paging.check_window(self.bank_id, booked_from, booked_to)
        ip = psu_ip_for(self.bank_id, psu_present, psu_ip)
        first = paging.page_path(self.bank_id, self.api, cursor) if cursor is not None \
            else self._listing(account_id, booked_from.astimezone(dt.UTC),
                               booked_to.astimezone(dt.UTC) if booked_to else None)
        return paging.follow(self.bank_id, self.api, first, lambda path: self._transaction_page(
            access, account_id, path, psu_ip=ip, timeout=timeout))

    def _listing(self, account_id: str, booked_from: dt.datetime,
                 booked_to: dt.datetime | None) -> str:
        raise NotImplementedError

    def _transaction_page(self, access: BankAccess, account_id: str, path: str, *,
                          psu_ip: str | None, timeout: float | None) -> TransactionPage:
        raise NotImplementedError

    def _send(self, method: str, path: str, headers: dict[str, str], *, json_body=None,
              expect: int = 200, psu_ip: str | None = None,
              timeout: float | None = None) -> httpx.Response:
        """One call to the bank's API, with a fresh request id and the PSU's address when
        given; any status but `expect` raises the standard's BankError (each connector's
        `_error` reads its error body)."""
        headers = {self.interaction_header: interaction_id(), "Accept": "application/json",
                   **headers}
        if psu_ip:
            headers[self.psu_ip_header] = psu_ip
        response = self.transport.send(method, self.api + path, headers=headers,
                                       json_body=json_body, timeout=timeout,
                                       auth=self.request_auth)
        if response.status_code == expect:
            return response
        raise self._error(response)

    def _error(self, response: httpx.Response) -> Exception:
        raise NotImplementedError
