"""The PSU's own view (no Flask): every active consent with its TPP, banks, permissions and
expiry; revoke one (CANC, tokens revoked at once, bank-side consents deleted); renew a bank
whose access needs SCA again (180 days, or the bank ended it)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import authorisation, bankflow, domain, records, revocation
from consent.domain import ConsentStatus as S
from consent.errors import InvalidTransition
from consent.models import Consent, ConsentAuthorisation, ConsentBank
from consent.permissions import plain_words
from consent.ports import Adapters
from core.db import unit_of_work


@dataclass(frozen=True)
class BankLine:
    bank_id: str
    name: str
    reauth: bool


@dataclass(frozen=True)
class ConsentLine:
    consent: Consent
    permissions: list[str]
    banks: list[BankLine]


def active_consents(session: Session, psu_id: str, *, adapters: Adapters) -> list[ConsentLine]:
    now = adapters.now()
    names = {b.id: b.name for b in bankflow.list_banks(adapters)}
    with unit_of_work(session):
        ids = session.scalars(select(Consent.id).where(
            Consent.psu_id == psu_id, Consent.status == S.AUTH.value)
            .order_by(Consent.created_at)).all()
    lines = []
    for consent_id in ids:
        with unit_of_work(session):
            consent = records.locked(session, consent_id)
            if records.expire_if_due(session, consent, now):
                adapters.revoke_tokens(session, consent_id, now)
                continue
            rows = session.scalars(select(ConsentBank).where(
                ConsentBank.consent_id == consent_id,
                ConsentBank.status.in_(("authorised", "reauth_required", "pending")))
                .order_by(ConsentBank.bank_id)).all()
            banks = [BankLine(r.bank_id, names.get(r.bank_id, r.bank_id),
                              r.status != "authorised"
                              or domain.needs_reauthentication(r.authorised_at, now))
                     for r in rows]
        lines.append(ConsentLine(consent, plain_words(consent.permissions), banks))
    return lines


def revoke(session: Session, psu_id: str, consent_id: str, *, adapters: Adapters,
           interaction_id: str | None = None) -> Consent:
    return revocation.cancel(session, consent_id, actor=adapters.psu_actor(psu_id, interaction_id),
                             adapters=adapters, reason=domain.REVOKED_BY_PSU,
                             action="consent.revoked_by_psu", psu_id=psu_id)


def begin_renewal(session: Session, psu_id: str, consent_id: str, bank_id: str, *,
                  redirect_uri: str, adapters: Adapters, interaction_id: str | None = None,
                  psu_ip: str | None = None) -> tuple[str, str, str]:
    """Open a renewal pass for one bank of an AUTH consent; return (bank URL, browser secret,
    ticket). The URL is "" when the PSU approves in the bank's app (`poll_bank` the ticket)."""
    now = adapters.now()
    ticket, secret = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    with unit_of_work(session):
        consent = records.owned(session, consent_id, psu_id=psu_id)
        if consent.status != S.AUTH:
            raise InvalidTransition(consent.status, S.AUTH.value)
        hidden = json.dumps({"renew": True, "browser": authorisation._digest(secret)})
        sealed = adapters.cipher.seal(hidden, f"pass|{ticket}")
        session.add(ConsentAuthorisation(
            id=ticket, consent_id=consent_id, client_id=consent.client_id, psu_id=psu_id,
            return_to=f"{sealed.key_id}:{sealed.ciphertext}", created_at=now,
            expires_at=now + authorisation.PASS_LIFETIME))
    url = authorisation.start_bank(session, ticket, secret, bank_id, redirect_uri=redirect_uri,
                                   adapters=adapters, interaction_id=interaction_id,
                                   psu_ip=psu_ip)
    return url, secret, ticket


def finish_renewal_if_any(session: Session, ticket: str, adapters: Adapters) -> bool:
    """After a bank callback: close a renewal pass (True) or leave a consent-screen pass."""
    with unit_of_work(session):
        record = session.get(ConsentAuthorisation, ticket)
        key_id, _, ciphertext = record.return_to.partition(":")
        hidden = json.loads(adapters.cipher.open(authorisation.Sealed(key_id, ciphertext),
                                                 f"pass|{ticket}"))
        if not hidden.get("renew"):
            return False
        record.outcome = "renewed"
    return True
