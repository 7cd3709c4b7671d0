"""Ending a consent: by the TPP (DELETE), by the PSU (dashboard), or by the expiry sweep.

CANC and the revocation of the access tokens issued under the consent commit in one
transaction, so the next API call with those tokens fails. The bank-side consents are deleted
afterwards, outside the transaction (a slow bank must not hold the row lock), and each
outcome is audited; a bank that fails keeps its row marked for a later retry.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import audit, bankflow, domain
from consent.audit import Actor
from consent.crypto import DecryptionError
from consent.domain import ConsentStatus as S
from consent.models import Consent, ConsentBank
from consent.ports import Adapters
from consent.records import expire_if_due, locked, open_token, owned, set_status
from core.db import unit_of_work

LIVE = (S.AWAU.value, S.AUTH.value)


def cancel(session: Session, consent_id: str, *, actor: Actor, adapters: Adapters,
           reason: domain.StatusReason, action: str, client_id: str | None = None,
           psu_id: str | None = None, details: dict | None = None) -> Consent:
    now = adapters.now()
    with unit_of_work(session):
        consent = owned(session, consent_id, client_id, psu_id)
        expire_if_due(session, consent, now)
        if consent.status in LIVE:
            set_status(session, consent, S.CANC, reason, actor, action, now, **(details or {}))
            revoked = adapters.revoke_tokens(session, consent_id, now)
            audit.append(session, consent, actor, "tokens.revoked", {"count": revoked}, now=now)
            for erase in adapters.on_end:
                erase(session, consent_id, "revoked")
        elif psu_id is not None:
            domain.transition(consent.status, S.CANC)  # a PSU revoking a dead consent: refused
        else:
            audit.append(session, consent, actor, "consent.delete_repeated",
                         {"status": consent.status}, now=now)
    delete_bank_consents(session, consent_id, actor=actor, adapters=adapters)
    return consent


def delete_bank_consents(session: Session, consent_id: str, *, actor: Actor,
                         adapters: Adapters) -> dict[str, str]:
    """Delete the consent at every bank still holding one; return {bank_id: outcome}."""
    with unit_of_work(session):
        rows = session.scalars(select(ConsentBank).where(
            ConsentBank.consent_id == consent_id,
            ConsentBank.status.in_(("authorised", "reauth_required", "pending")),
        )).all()
        targets = [(r.bank_id, r.bank_consent_id, _access_token(r, adapters)) for r in rows]
    outcomes: dict[str, str] = {}
    for bank_id, bank_consent_id, access_token in targets:
        try:
            if bank_consent_id:
                bankflow.delete_bank_consent(adapters, bank_id, bank_consent_id, access_token)
            outcomes[bank_id] = "deleted"
        except bankflow.BankFailure as exc:
            outcomes[bank_id] = f"failed: {exc.kind}"
    now = adapters.now()
    with unit_of_work(session):
        consent = locked(session, consent_id)
        for row in session.scalars(select(ConsentBank).where(
                ConsentBank.consent_id == consent_id)):
            if outcomes.get(row.bank_id) == "deleted":
                row.status = "revoked"
                row.access_token = row.refresh_token = row.flow_secrets = None
                row.updated_at = now
        for bank_id, outcome in sorted(outcomes.items()):
            action = "bank.consent_deleted" if outcome == "deleted" else "bank.delete_failed"
            audit.append(session, consent, actor, action,
                         {"bank_id": bank_id, "outcome": outcome}, now=now)
    return outcomes


def _access_token(row: ConsentBank, adapters: Adapters) -> str | None:
    try:
        return open_token(row, "access", row.access_token or None, adapters)
    except DecryptionError:
        return None


def sweep(session: Session, *, adapters: Adapters, now: dt.datetime | None = None) -> list[str]:
    """Expire every live consent past its ExpirationDateTime; return their ids."""
    now = now or adapters.now()
    with unit_of_work(session):
        due = list(session.scalars(select(Consent.id).where(
            Consent.status.in_(LIVE), Consent.expiration_at.is_not(None),
            Consent.expiration_at <= now)))
    expired = []
    for consent_id in due:
        with unit_of_work(session):
            consent = locked(session, consent_id)
            if consent is not None and expire_if_due(session, consent, now):
                adapters.revoke_tokens(session, consent_id, now)
                for erase in adapters.on_end:
                    erase(session, consent_id, "expired")
                expired.append(consent_id)
    return expired
