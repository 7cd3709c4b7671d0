"""The OAuth 2.0 part every bank shares: the authorise URL with PKCE S256 and `state`, and the
token endpoint (authorization_code, refresh_token, client_credentials); and `OAuthConnector`,
the part of a connector that is the same whatever the standard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from urllib.parse import urlencode

import httpx

from aggregation.connectors.base import AuthorisationRedirect, TokenSet
from aggregation.connectors.client_auth import ClientAuth, Pkce
from aggregation.connectors.errors import (
    BankRejected,
    BankServerError,
    BankUnauthorised,
    RateLimited,
)
from aggregation.connectors.payload import Reader
from aggregation.connectors.transport import Transport, retry_after


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


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

    def exchange_code(self, code: str, *, redirect_uri: str, code_verifier: str) -> TokenSet:
        return self.oauth.exchange_code(code, redirect_uri=redirect_uri,
                                        code_verifier=code_verifier)

    def refresh(self, refresh_token: str) -> TokenSet:
        return self.oauth.refresh(refresh_token)

    def read_transactions(self, access, account_id: str, **_options):
        """A standard's connector that does not page its transactions yet: a typed refusal,
        which the aggregated read reports for this bank instead of failing."""
        raise BankRejected(self.bank_id, "transactions_unsupported")

    def _send(self, method: str, path: str, headers: dict[str, str], *, json_body=None,
              expect: int = 200, timeout: float | None = None) -> httpx.Response:
        """One call to the bank's API; any status but `expect` raises the standard's
        BankError (each connector's `_error` reads its error body)."""
        response = self.transport.send(method, self.api + path, headers=headers,
                                       json_body=json_body, timeout=timeout)
        if response.status_code == expect:
            return response
        raise self._error(response)

    def _error(self, response: httpx.Response) -> Exception:
        raise NotImplementedError
