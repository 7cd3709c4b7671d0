"""In-memory state of one sandbox bank: consents, codes, tokens, unattended-read counters and
fault switches. Every change holds the bank's lock, so a threaded server is safe. The sandbox
banks are fake: nothing here is persisted (one process serves them; see the README)."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass, field, replace
from typing import Any

from sandbox.bank import SandboxBank
from sandbox.fapi import BankKeys
from sandbox.faults import Faults

# Internal consent statuses; each standard renders them in its own words.
AWAITING, AUTHORISED, REJECTED = "awaiting", "authorised", "rejected"
REVOKED_BY_PSU, TERMINATED_BY_TPP, EXPIRED = "revoked_by_psu", "terminated_by_tpp", "expired"
LIVE = (AWAITING, AUTHORISED)
OB_STATUS = {AWAITING: "AWAU", AUTHORISED: "AUTH", REJECTED: "RJCT", REVOKED_BY_PSU: "CANC",
             TERMINATED_BY_TPP: "CANC", EXPIRED: "EXPD"}
BG_STATUS = {AWAITING: "received", AUTHORISED: "valid", REJECTED: "rejected",
             REVOKED_BY_PSU: "revokedByPsu", TERMINATED_BY_TPP: "terminatedByTpp",
             EXPIRED: "expired"}


@dataclass
class Consent:
    id: str
    created: dt.datetime
    updated: dt.datetime
    status: str = AWAITING
    client_id: str | None = None
    permissions: tuple[str, ...] = ()  # OB
    access: dict[str, Any] = field(default_factory=dict)  # BG
    expires: dt.datetime | None = None
    transaction_from: str | None = None
    transaction_to: str | None = None
    recurring: bool = True
    frequency_per_day: int = 4
    psu: str | None = None
    accounts: tuple[str, ...] = ()
    last_action: dt.date | None = None


@dataclass
class ScaAuthorisation:
    """A Berlin Group authorisation sub-resource of a consent (redirect or decoupled SCA)."""

    id: str
    consent_id: str
    approach: str  # redirect | decoupled
    status: str  # BG scaStatus: received, scaMethodSelected, finalised, failed
    redirect_uri: str = ""
    nok_redirect_uri: str = ""


@dataclass(frozen=True)
class Code:
    consent_id: str
    client_id: str
    redirect_uri: str
    challenge: str
    expires: dt.datetime


@dataclass(frozen=True)
class Token:
    kind: str  # "client" (client credentials) | "psu" (bound to a consent)
    client_id: str
    consent_id: str | None
    expires: dt.datetime
    scope: str


class BankState:
    def __init__(self, bank: SandboxBank) -> None:
        self.bank = bank
        self.lock = threading.RLock()
        self.faults = Faults()
        self.faults.update(bank.faults)
        self.release = threading.Event()  # set by reset: hanging calls return at once
        self.keys = BankKeys()  # ID token and JARM signing (the OB security profile)
        self.clear()

    def clear(self) -> None:
        with self.lock:
            self.consents: dict[str, Consent] = {}
            self.codes: dict[str, Code] = {}
            self.tokens: dict[str, Token] = {}
            self.refresh_tokens: dict[str, Token] = {}
            self.reads: dict[tuple[str, str, dt.date], int] = {}
            self.seen_jtis: dict[str, dt.datetime] = {}
            self.authorisations: dict[str, ScaAuthorisation] = {}
            self.pushed: dict[str, tuple[dict[str, str], float]] = {}  # PAR request_uri
            self.auth_requests: dict[str, dict[str, str]] = {}  # sign-in forms in progress

    def reset_faults(self) -> None:
        with self.lock:
            self.faults = Faults()
            self.release.set()
            self.release = threading.Event()

    def now(self) -> dt.datetime:
        return self.bank.clock()

    # consents ----------------------------------------------------------------------------------

    def add_consent(self, **values: Any) -> Consent:
        now = self.now()
        consent = Consent(id=_new_id(self.bank.id), created=now, updated=now, **values)
        with self.lock:
            self.consents[consent.id] = consent
        return consent

    def consent(self, consent_id: str) -> Consent | None:
        """The consent as it stands now: expired when past its expiry, revoked when the
        `consent_revoked` switch is on."""
        with self.lock:
            consent = self.consents.get(consent_id)
            if consent is None:
                return None
            if consent.status in LIVE and consent.expires and consent.expires <= self.now():
                self.set_status(consent, EXPIRED)
            if consent.status == AUTHORISED and self.faults.consent_revoked:
                self.set_status(consent, REVOKED_BY_PSU)
            return replace(consent)

    def transition(self, consent_id: str, expected: str, status: str, **changes: Any) -> bool:
        """Change the status only if it is still `expected` (two PSU answers race)."""
        with self.lock:
            stored = self.consents.get(consent_id)
            if stored is None or stored.status != expected:
                return False
            self.set_status(stored, status, **changes)
            return True

    def set_status(self, consent: Consent, status: str, **changes: Any) -> None:
        with self.lock:
            stored = self.consents[consent.id]
            stored.status = status
            stored.updated = self.now()
            for key, value in changes.items():
                setattr(stored, key, value)

    def terminate_by_tpp(self, consent: Consent) -> None:
        """The TPP deletes the consent: a live one ends; an ended one stays as it ended."""
        if consent.status in LIVE:
            self.set_status(consent, TERMINATED_BY_TPP)

    def add_authorisation(self, **values: Any) -> ScaAuthorisation:
        found = ScaAuthorisation(id=secrets.token_hex(12), **values)
        with self.lock:
            self.authorisations[found.id] = found
        return found

    def authorisation(self, authorisation_id: str) -> ScaAuthorisation | None:
        with self.lock:
            found = self.authorisations.get(authorisation_id)
            return replace(found) if found else None

    def conclude_authorisation(self, authorisation_id: str, status: str) -> bool:
        """finalised or failed, once: False when it was concluded already."""
        with self.lock:
            found = self.authorisations.get(authorisation_id)
            if found is None or found.status in ("finalised", "failed"):
                return False
            found.status = status
            return True

    # codes and tokens --------------------------------------------------------------------------

    def issue_code(self, **values: Any) -> str:
        code = secrets.token_urlsafe(32)
        with self.lock:
            self.codes[code] = Code(expires=self.now() + dt.timedelta(seconds=self.bank.code_ttl),
                                    **values)
        return code

    def take_code(self, code: str) -> Code | None:
        """One use only; an expired code is gone too."""
        with self.lock:
            found = self.codes.pop(code, None)
        return found if found and found.expires > self.now() else None

    def issue_token(self, kind: str, client_id: str, consent_id: str | None,
                    scope: str) -> tuple[str, Token]:
        token = Token(kind, client_id, consent_id,
                      self.now() + dt.timedelta(seconds=self.bank.token_ttl), scope)
        value = secrets.token_urlsafe(32)
        with self.lock:
            self.tokens[value] = token
        return value, token

    def issue_refresh_token(self, client_id: str, consent_id: str, scope: str) -> str:
        value = secrets.token_urlsafe(32)
        with self.lock:
            self.refresh_tokens[value] = Token("refresh", client_id, consent_id,
                                               dt.datetime.max.replace(tzinfo=dt.UTC), scope)
        return value

    def token(self, value: str) -> tuple[Token | None, str]:
        """The token and why it does not work: "" when it does, "expired" or "unknown"."""
        with self.lock:
            token = self.tokens.get(value)
        if token is None:
            return None, "unknown"
        if self.faults.expired_tokens or token.expires <= self.now():
            return token, "expired"
        return token, ""

    def remember_jti(self, jti: str, until: dt.datetime) -> bool:
        """False when the assertion id was seen before (a replay)."""
        now = self.now()
        with self.lock:
            self.seen_jtis = {k: v for k, v in self.seen_jtis.items() if v > now}
            if jti in self.seen_jtis:
                return False
            self.seen_jtis[jti] = until
            return True

    # unattended access -------------------------------------------------------------------------

    def count_unattended(self, consent: Consent, account_id: str, allowance: int) -> bool:
        """Count one unattended read; False once today's allowance is used up."""
        key = (consent.id, account_id, self.now().date())
        with self.lock:
            used = self.reads.get(key, 0)
            if used >= allowance:
                return False
            self.reads[key] = used + 1
            return True

    def seconds_to_midnight(self) -> int:
        now = self.now()
        midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(),
                                       tzinfo=dt.UTC)
        return max(1, int((midnight - now).total_seconds()))


def _new_id(bank_id: str) -> str:
    return f"{bank_id[:3]}-{secrets.token_hex(12)}"
