"""The consent row and its bank links as every consent use case changes them: locked reads,
status moves with their audit event, expiry on the way, bank tokens sealed and opened. Each
function runs inside its caller's unit of work."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import audit, domain
from consent.audit import Actor
from consent.crypto import Sealed
from consent.domain import ConsentStatus as S
from consent.errors import ConsentNotFound
from consent.models import Consent, ConsentBank
from consent.ports import Adapters

SYSTEM_EXPIRY = Actor("system", "expiry")


def locked(session: Session, consent_id: str) -> Consent | None:
    """The consent row, locked for this transaction and freshly read."""
    return session.scalars(
        select(Consent).where(Consent.id == consent_id)
        .with_for_update().execution_options(populate_existing=True)
    ).one_or_none()


def owned(session: Session, consent_id: str, client_id: str | None = None,
          psu_id: str | None = None) -> Consent:
    """The consent row, locked, if it exists and belongs to the TPP `client_id` and the PSU
    `psu_id` where given; else ConsentNotFound, so another party's consent is as unknown as a
    missing one."""
    consent = locked(session, consent_id)
    if consent is None or (client_id is not None and consent.client_id != client_id) or (
            psu_id is not None and consent.psu_id != psu_id):
        raise ConsentNotFound(consent_id)
    return consent


def bank_link(session: Session, consent_id: str, bank_id: str) -> ConsentBank | None:
    """The consent's link to one bank, if the PSU has chosen that bank."""
    return session.scalars(select(ConsentBank).where(
        ConsentBank.consent_id == consent_id, ConsentBank.bank_id == bank_id)).one_or_none()


def set_status(session: Session, consent: Consent, target: S, reason: domain.StatusReason,
               actor: Actor, action: str, now: dt.datetime, **details) -> None:
    """Move to `target` (or raise InvalidTransition) and write the event in this transaction."""
    previous = consent.status
    consent.status = domain.transition(previous, target).value
    consent.status_reason_code = reason.code
    consent.status_reason_description = reason.message
    consent.status_reason_path = reason.path
    consent.status_updated_at = now
    audit.append(session, consent, actor, action,
                 {"from": previous, "to": consent.status, "reason": reason.code, **details},
                 now=now)


def expire_if_due(session: Session, consent: Consent, now: dt.datetime) -> bool:
    if consent.status in (S.AWAU, S.AUTH) and domain.is_expired(consent.expiration_at, now):
        set_status(session, consent, S.EXPD, domain.EXPIRED, SYSTEM_EXPIRY, "consent.expired",
                   now)
        return True
    return False


def token_context(consent_id: str, bank_id: str, field: str) -> str:
    return f"{consent_id}|{bank_id}|{field}"


def store_tokens(row: ConsentBank, access: str | None, refresh: str | None,
                 expires_at: dt.datetime | None, adapters: Adapters) -> None:
    for field, value in (("access", access), ("refresh", refresh)):
        sealed = None if value is None else adapters.cipher.seal(
            value, token_context(row.consent_id, row.bank_id, field))
        setattr(row, f"{field}_token", sealed.ciphertext if sealed else None)
        if sealed:
            row.token_key_id = sealed.key_id
    row.token_expires_at = expires_at



def open_token(row: ConsentBank, field: str, value: str | None, adapters: Adapters
               ) -> str | None:
    """A bank token sealed by `store_tokens`, in clear (raises DecryptionError)."""
    if value is None:
        return None
    return adapters.cipher.open(Sealed(row.token_key_id or "", value),
                                token_context(row.consent_id, row.bank_id, field))
