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
- `finish`: exchange the code (PKCE), then list the accounts the PSU granted, PSU present. If
  the account list fails after the exchange, the bank-side consent is deleted again so no
  half-made access is left at the bank.
- `delete`: revoke the bank-side consent (idempotent at the connector).

Connector failures are typed `BankError`s; `bankflow.guarded` turns them into `BankFailure`
by their `kind`, never their message.
"""

from __future__ import annotations

from dataclasses import dataclass

from aggregation.connectors.base import BankAccess, BankConnector, ConsentRequest
from aggregation.registry import BankRegistry
from consent.bankflow import BankFailure, BankStart, BankTokens, ConsentTerms


@dataclass
class ConnectorGateway:
    bank_id: str
    connector: BankConnector
    frequency_per_day: int = 4  # unattended reads a day agreed with this bank

    def start(self, terms: ConsentTerms, *, state: str, redirect_uri: str) -> BankStart:
        made = self.connector.create_consent(ConsentRequest(
            permissions=tuple(terms.permissions), expires_at=terms.expiration,
            transaction_from=terms.transaction_from, transaction_to=terms.transaction_to,
            recurring=True, frequency_per_day=self.frequency_per_day, psu_ip=terms.psu_ip))
        redirect = self.connector.authorisation_redirect(
            made.consent_id, redirect_uri=redirect_uri, state=state)
        secrets = {"code_verifier": redirect.code_verifier}
        if redirect.nonce:  # OB security profile: the ID token's nonce is checked against it
            secrets["nonce"] = redirect.nonce
        if terms.psu_ip:
            secrets["psu_ip"] = terms.psu_ip
        return BankStart(made.consent_id, redirect.url, secrets)

    def finish(self, bank_consent_id: str, *, code: str, redirect_uri: str,
               flow_secrets: dict[str, str]) -> BankTokens:
        verifier = flow_secrets.get("code_verifier")
        if not verifier:
            raise BankFailure(self.bank_id, "flow_lost")
        tokens = self.connector.exchange_code(code, redirect_uri=redirect_uri,
                                              code_verifier=verifier)
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
    return ConnectorGateway(bank_id, connector, frequency_per_day=config.frequency_per_day)
