"""What consent and aggregation need from a bank, whatever standard it speaks.

The consent package runs a bank's own consent and OAuth flow for a PSU:

    consent = connector.create_consent(ConsentRequest(permissions=(...), expires_at=...))
    redirect = connector.authorisation_redirect(consent.consent_id, redirect_uri=..., state=...)
    # keep redirect.code_verifier (encrypted) until the bank sends the PSU back with ?code=…
    tokens = connector.exchange_code(code, redirect_uri=..., code_verifier=redirect.code_verifier)
    accounts = connector.list_accounts(BankAccess(consent.consent_id, tokens.access_token))
    ...
    connector.delete_consent(consent.consent_id, access_token=tokens.access_token)

Aggregation reads with the stored tokens, refreshing on `TokenExpired`:

    balances = connector.read_balances(access, account_id, psu_present=True, psu_ip="203.0.113.9")
    for page in connector.read_transactions(access, account_id, booked_from=since):
        ...  # page.transactions, page.next_cursor (the bank's link, to resume a broken sync)

Every method returns domain objects or raises a `connectors.errors.BankError` subclass.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from aggregation.domain import Account, Balance
from aggregation.transaction import TransactionPages


class ConsentStatus(StrEnum):
    """A bank-side consent's status in one vocabulary (OB v4 / Berlin Group mapped in)."""

    AWAITING_AUTHORISATION = "awaiting_authorisation"  # OB AWAU, BG received/partiallyAuthorised
    AUTHORISED = "authorised"  # OB AUTH, BG valid
    REJECTED = "rejected"  # OB RJCT, BG rejected
    REVOKED = "revoked"  # OB CANC, BG revokedByPsu / terminatedByTpp
    EXPIRED = "expired"  # OB EXPD, BG expired


@dataclass(frozen=True)
class ConsentRequest:
    """What to ask the bank for. Permissions use the OB names (`ReadAccountsDetail`,
    `ReadBalances`, …); a Berlin Group connector turns them into an `access` object."""

    permissions: tuple[str, ...] = ("ReadAccountsDetail", "ReadBalances")
    expires_at: dt.datetime | None = None
    transaction_from: dt.datetime | None = None
    transaction_to: dt.datetime | None = None
    recurring: bool = True
    frequency_per_day: int = 4  # unattended reads a day (Berlin Group; RTS Art. 36(5))
    psu_ip: str | None = None  # Berlin Group requires it when the consent is created


@dataclass(frozen=True)
class BankConsent:
    bank_id: str
    consent_id: str
    status: ConsentStatus
    raw_status: str  # the bank's own word (AWAU, received …)
    expires_at: dt.datetime | None = None
    frequency_per_day: int | None = None
    sca_approach: str | None = None  # Berlin Group: redirect-oauth, redirect or decoupled


@dataclass(frozen=True)
class AuthorisationRedirect:
    """Where to send the PSU, and the PKCE verifier to keep (secret) until the callback."""

    url: str
    state: str
    code_verifier: str = field(repr=False)
    nonce: str = field(default="", repr=False)  # OpenID Connect: kept to check the ID token


@dataclass(frozen=True)
class TokenSet:
    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: dt.datetime | None = None
    scope: str | None = None
    token_type: str = "Bearer"


@dataclass(frozen=True)
class BankAccess:
    """What a data call needs: the bank-side consent id (Berlin Group sends it as `Consent-ID`)
    and the PSU's access token at that bank."""

    consent_id: str
    access_token: str = field(repr=False)


@runtime_checkable
class BankConnector(Protocol):
    bank_id: str
    standard: str  # "ob-uk-4.0" | "berlin-group-1.3"

    def create_consent(self, request: ConsentRequest) -> BankConsent:
        """Create the bank-side consent (OB: client-credentials token first)."""
        ...

    def get_consent(self, consent_id: str) -> BankConsent:
        """The bank's current view of the consent."""
        ...

    def authorisation_redirect(self, consent_id: str, *, redirect_uri: str,
                               state: str) -> AuthorisationRedirect:
        """The bank's authorise URL for this consent, with `state` and PKCE S256."""
        ...

    def exchange_code(self, code: str, *, redirect_uri: str, code_verifier: str) -> TokenSet:
        """Authorisation code → tokens, at the bank's token endpoint."""
        ...

    def refresh(self, refresh_token: str) -> TokenSet:
        ...

    def delete_consent(self, consent_id: str, *, access_token: str | None = None) -> None:
        """Revoke the bank-side consent (OB: DELETE with a client-credentials token; Berlin
        Group: DELETE /v1/consents/{id}). Deleting a consent that is already gone succeeds."""
        ...

    def list_accounts(self, access: BankAccess, *, psu_present: bool = False,
                      psu_ip: str | None = None,
                      timeout: float | None = None) -> list[Account]:
        ...

    def read_balances(self, access: BankAccess, account_id: str, *, psu_present: bool = False,
                      psu_ip: str | None = None,
                      timeout: float | None = None) -> list[Balance]:
        """One account's balances. PSU-present reads send the PSU's IP address (OB
        `x-fapi-customer-ip-address`, BG `PSU-IP-Address`); without it the bank counts the read
        against the unattended allowance (4 a day). `timeout` caps this call (a fan-out's
        remaining deadline)."""
        ...

    def read_transactions(self, access: BankAccess, account_id: str, *,
                          booked_from: dt.datetime, booked_to: dt.datetime | None = None,
                          cursor: str | None = None, psu_present: bool = False,
                          psu_ip: str | None = None,
                          timeout: float | None = None) -> TransactionPages:
        """One account's booked and pending transactions in [booked_from, booked_to], page by
        page as the bank pages them (OB `Links.Next`, Berlin Group `_links.next`); `cursor`
        resumes at a page link an earlier sync stopped at. Lazy: each page is one bank call,
        made when the caller asks for it, and a failure mid-way raises the `BankError` there,
        after the pages already yielded. `timeout` caps each page's call."""
        ...


def psu_ip_for(bank_id: str, psu_present: bool, psu_ip: str | None) -> str | None:
    """PSU present means the PSU's IP is sent; asking for one without the other is a bug."""
    if psu_present and not psu_ip:
        raise ValueError(f"{bank_id}: a PSU-present read needs the PSU's IP address")
    return psu_ip if psu_present else None
