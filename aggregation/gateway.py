"""The real `BankGateway`: consent's bank flow on top of aggregation's connectors.

One gateway per bank, built from the bank registry (`from_registry`, handed to consent by
`init_app`). It speaks only
the connector `Protocol`, so UK Open Banking and Berlin Group banks — sandbox or real — are
handled alike:

- `start`: create the bank-side consent from the consent's terms (OB account-access-consent;
  BG `/v1/consents` with `access`, `recurringIndicator`, `validUntil`, `frequencyPerDay`) and
  build the PSU redirect to the bank's own authorise page with `state` and PKCE S256. The PKCE
  verifier (and the PSU's IP address) go back as `flow_secrets`, which the caller keeps
  encrypted server-side until the callback: they never travel through the browser.
- `finish`: check the bank's whole answer where the connector can (`complete_authorisation`:
  a UK bank's hybrid ID token or JARM response, against the `state` consent kept with the
  flow and the `nonce` in `flow_secrets`; a refused answer is the connector's typed error;
  a flow sealed by an earlier release, without a copy of the state, still completes after a
  deploy), exchange the code
  (PKCE), then list the accounts the PSU granted, PSU present. If the account list fails
  after the exchange, the bank-side consent is deleted again so no half-made access is left
  at the bank.
- `delete`: revoke the bank-side consent (idempotent at the connector).

A Berlin Group bank that answers another SCA approach (bg_sca.py) is run its way: a redirect
without OAuth sends the PSU to the bank's `scaRedirect` and `finish` (no code) checks that the
consent is now valid; decoupled starts with no redirect, and `poll` looks at the
authorisation's `scaStatus` at the bank's advised interval until it is final or this bank's
`sca_deadline_seconds` have passed (then the bank-side consent is deleted and the failure is
`sca_timeout`). Without OAuth there is no token: the Consent-ID alone authorises reads.

Connector failures are typed `BankError`s; `bankflow.guarded` turns them into `BankFailure`
by their `kind`, never their message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from aggregation.connectors import bg_sca, errors
from aggregation.connectors.base import (
    BankAccess,
    BankConnector,
    ConsentRequest,
    ConsentStatus,
    TokenSet,
)
from aggregation.registry import BankRegistry
from consent.bankflow import BankFailure, BankStart, BankTokens, BankWait, ConsentTerms
from core.db import utcnow


@dataclass
class ConnectorGateway:
    bank_id: str
    connector: BankConnector
    frequency_per_day: int = 4  # unattended reads a day agreed with this bank
    sca_deadline_seconds: float = 300.0  # how long a decoupled approval is waited for
    clock: Callable[[], dt.datetime] = field(default=utcnow)

    def start(self, terms: ConsentTerms, *, state: str, redirect_uri: str) -> BankStart:
        made = self.connector.create_consent(ConsentRequest(
            permissions=tuple(terms.permissions), expires_at=terms.expiration,
            transaction_from=terms.transaction_from, transaction_to=terms.transaction_to,
            recurring=True, frequency_per_day=self.frequency_per_day, psu_ip=terms.psu_ip))
        secrets = {"psu_ip": terms.psu_ip} if terms.psu_ip else {}
        if made.sca_approach in (bg_sca.REDIRECT, bg_sca.DECOUPLED):
            return self._start_sca(made.consent_id, secrets, redirect_uri, state)
        redirect = self.connector.authorisation_redirect(
            made.consent_id, redirect_uri=redirect_uri, state=state)
        secrets = {"code_verifier": redirect.code_verifier, **secrets}
        if hasattr(self.connector, "complete_authorisation"):  # for a release that reads it
            secrets["state"] = state
        if redirect.nonce:  # OB security profile: the ID token's nonce is checked against it
            secrets["nonce"] = redirect.nonce
        return BankStart(made.consent_id, redirect.url, secrets)

    def _start_sca(self, consent_id: str, secrets: dict[str, str], redirect_uri: str,
                   state: str) -> BankStart:
        started = self._sca().start_authorisation(consent_id, redirect_uri=redirect_uri,
                                                  state=state)
        secrets = {**secrets, "sca": started.approach,
                   "authorisation_id": started.authorisation_id}
        if started.approach == bg_sca.REDIRECT:
            return BankStart(consent_id, started.redirect_url or "", secrets)
        deadline = self.clock() + dt.timedelta(seconds=self.sca_deadline_seconds)
        return BankStart(consent_id, "", {**secrets, "deadline": deadline.isoformat(),
                                          "message": started.psu_message or ""})

    def finish(self, bank_consent_id: str, *, code: str, redirect_uri: str,
               flow_secrets: dict[str, str],
               answer: Mapping[str, str] | None = None, state: str = "") -> BankTokens:
        if flow_secrets.get("sca") == bg_sca.REDIRECT:  # no code: the consent says it
            if self.connector.get_consent(bank_consent_id).status \
                    is not ConsentStatus.AUTHORISED:
                raise BankFailure(self.bank_id, "not_authorised")
            return self._with_accounts(bank_consent_id, TokenSet(""), flow_secrets)
        verifier = flow_secrets.get("code_verifier")
        if not verifier:
            raise BankFailure(self.bank_id, "flow_lost")
        if answer is not None:
            code = self._checked_code(bank_consent_id, answer, flow_secrets,
                                      state or flow_secrets.get("state", ""))
        if not code:
            raise BankFailure(self.bank_id, "no_code")
        tokens = self.connector.exchange_code(code, redirect_uri=redirect_uri,
                                              code_verifier=verifier)
        return self._with_accounts(bank_consent_id, tokens, flow_secrets)

    def _checked_code(self, bank_consent_id: str, answer: Mapping[str, str],
                      flow_secrets: dict[str, str], state: str) -> str:
        """The code in the bank's whole answer, once the connector has checked it (UK: the
        ID token of a hybrid answer, or the JARM response, against the kept state and nonce)."""
        complete = getattr(self.connector, "complete_authorisation", None)
        if complete is None:
            return answer.get("code") or ""
        if not state:
            raise BankFailure(self.bank_id, "flow_lost")
        checked = complete(answer, state=state,
                           nonce=flow_secrets.get("nonce", ""), consent_id=bank_consent_id)
        if checked.error:
            raise BankFailure(self.bank_id, "refused_by_psu" if checked.error == "access_denied"
                              else checked.error[:40])
        return checked.code or ""

    def poll(self, bank_consent_id: str, *, flow_secrets: dict[str, str]
             ) -> BankTokens | BankWait:
        authorisation_id, deadline = flow_secrets.get("authorisation_id"), \
            flow_secrets.get("deadline")
        if flow_secrets.get("sca") != bg_sca.DECOUPLED or not authorisation_id or not deadline:
            raise BankFailure(self.bank_id, "flow_lost")
        progress = self._sca().sca_status(bank_consent_id, authorisation_id)
        if progress.failed:
            raise errors.ScaFailed(self.bank_id, detail=progress.sca_status)
        if progress.done:
            return self._with_accounts(bank_consent_id, TokenSet(""), flow_secrets)
        wait = progress.retry_after or 0.0
        if self.clock() + dt.timedelta(seconds=wait) > dt.datetime.fromisoformat(deadline):
            self._discard(bank_consent_id, "")
            raise errors.ScaFailed(self.bank_id, "sca_timeout", detail=progress.sca_status)
        return BankWait(wait, flow_secrets.get("message", ""))

    def _sca(self) -> bg_sca.ScaConnector:
        if not isinstance(self.connector, bg_sca.ScaConnector):
            raise BankFailure(self.bank_id, "sca_unsupported")
        return self.connector

    def _with_accounts(self, bank_consent_id: str, tokens: TokenSet,
                       flow_secrets: dict[str, str]) -> BankTokens:
        """The accounts the PSU granted, PSU present; none, or a failure, deletes the
        bank-side consent again so no half-made access is left at the bank."""
        psu_ip = flow_secrets.get("psu_ip")
        try:
            accounts = self.connector.list_accounts(
                BankAccess(bank_consent_id, tokens.access_token),
                psu_present=bool(psu_ip), psu_ip=psu_ip)
        except Exception:
            self._discard(bank_consent_id, tokens.access_token)
            raise
        if not accounts:
            self._discard(bank_consent_id, tokens.access_token)
            raise BankFailure(self.bank_id, "no_accounts")
        return BankTokens(tokens.access_token, tokens.refresh_token, tokens.expires_at,
                          tuple(account.account_id for account in accounts))

    def delete(self, bank_consent_id: str, access_token: str | None) -> None:
        self.connector.delete_consent(bank_consent_id, access_token=access_token)

    def _discard(self, bank_consent_id: str, access_token: str) -> None:
        """Best effort: the failure being reported matters more than this one."""
        try:
            self.delete(bank_consent_id, access_token)
        except Exception:  # noqa: BLE001, S110 - already failing; the row stays "failed"
            pass


def from_registry(registry: BankRegistry, bank_id: str) -> ConnectorGateway:
    """The gateway for `bank_id` from aggregation's `BankRegistry`; an unknown or
    misconfigured bank is a `BankFailure`, reported on the consent screen like any other."""
    if bank_id not in registry:
        raise BankFailure(bank_id, "unknown_bank")
    try:
        config = registry.get(bank_id)
        connector = registry.connector(bank_id)
    except Exception as exc:  # RegistryError, unreadable key file …
        raise BankFailure(bank_id, "misconfigured") from exc
    return ConnectorGateway(bank_id, connector, frequency_per_day=config.frequency_per_day,
                            sca_deadline_seconds=config.sca_deadline_seconds)
