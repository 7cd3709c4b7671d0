"""Consent use cases for TPPs and for the other packages. Each function owns its transaction:
the status change and its audit event commit together or not at all. Rows are read with
SELECT … FOR UPDATE (PostgreSQL) and carry a version column, so authorise, revoke and expire
racing on one consent end in one state with every attempt on the trail.

Aggregation calls: get_authorised_consent, bank_links, update_bank_tokens,
mark_bank_reauth_required, record_access.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import audit, domain, personal_data, revocation
from consent.audit import Actor
from consent.domain import ConsentStatus as S
from consent.errors import (
    ConsentNotFound,
    ConsentUnusable,
    ReauthenticationRequired,
)
from consent.models import GENESIS_HASH, Consent, ConsentBank, ConsentEvent
from consent.permissions import parse_consent_request
from consent.personal_data import ERASURE_ACTOR
from consent.ports import Adapters
from consent.records import bank_link, expire_if_due, locked, open_token, owned, store_tokens
from consent.representation import consent_document
from core import idempotency
from core.db import unit_of_work
from core.logging import get_logger

CREATE_ENDPOINT = "POST /account-access-consents"
log = get_logger("consent.service")


@dataclass(frozen=True)
class Tpp:
    client_id: str
    client_name: str


def new_consent_id() -> str:
    return f"aac-{uuid.uuid4()}"


def create_consent(session: Session, tpp: Tpp, body, *, self_url_base: str,
                   idempotency_key: str | None, actor: Actor, adapters: Adapters
                   ) -> tuple[int, dict]:
    """Validate OBReadConsent1 and store an AWAU consent; replay for a repeated key + body."""
    now = adapters.now()
    key = idempotency.validate_key(idempotency_key)
    request_hash = idempotency.fingerprint(body)
    with unit_of_work(session):
        if key:
            stored = idempotency.lookup(session, tpp.client_id, key, CREATE_ENDPOINT,
                                        request_hash)
            if stored is not None:
                return stored.status, stored.body
        request = parse_consent_request(body, now)
        consent = Consent(
            id=new_consent_id(), client_id=tpp.client_id, client_name=tpp.client_name,
            status=S.AWAU.value, permissions=list(request.permissions),
            expiration_at=request.expiration, transaction_from=request.transaction_from,
            transaction_to=request.transaction_to, created_at=now, status_updated_at=now,
            status_reason_code=domain.AWAITING.code,
            status_reason_description=domain.AWAITING.message,
            audit_seq=0, audit_head=GENESIS_HASH,
        )
        session.add(consent)
        audit.append(session, consent, actor, "consent.created",
                     {"status": S.AWAU.value, "permissions": list(request.permissions)}, now=now)
        document = consent_document(consent, f"{self_url_base}/{consent.id}")
        if key:
            idempotency.remember(session, tpp.client_id, key, CREATE_ENDPOINT, request_hash,
                                 201, document)
    return 201, document


def get_consent(session: Session, client_id: str, consent_id: str, *, adapters: Adapters
                ) -> Consent:
    """The TPP's consent, moved to EXPD first if its ExpirationDateTime has passed."""
    with unit_of_work(session):
        consent = owned(session, consent_id, client_id)
        expire_if_due(session, consent, adapters.now())
    return consent


def delete_consent(session: Session, client_id: str, consent_id: str, *, actor: Actor,
                   adapters: Adapters) -> Consent:
    """TPP deletes its consent: a live one becomes CANC; a finished one stays as it is (OB
    asks TPPs to clear expired consents, so that is not an error). Bank-side consents go too."""
    return revocation.cancel(session, consent_id, actor=actor, adapters=adapters,
                             reason=domain.DELETED_BY_TPP, action="consent.deleted_by_tpp",
                             client_id=client_id)


def consent_events(session: Session, client_id: str, consent_id: str) -> list[ConsentEvent]:
    with unit_of_work(session):
        consent = session.get(Consent, consent_id)
        if consent is None or consent.client_id != client_id:
            raise ConsentNotFound(consent_id)
        return audit.events_for(session, consent_id)


# --- for aggregation -------------------------------------------------------------------------

def get_authorised_consent(session: Session, consent_id: str, client_id: str, *,
                           now: dt.datetime | None = None) -> Consent:
    """The consent if it is AUTH for this client; else the typed 403 (U011 if not theirs).
    Expires it on the way when its time has passed. Joins the caller's unit of work, if any."""
    now = now or dt.datetime.now(dt.UTC)
    with unit_of_work(session):
        consent = owned(session, consent_id, client_id)
        expire_if_due(session, consent, now)
    if consent.status != S.AUTH:
        raise ConsentUnusable(consent_id, consent.status)
    return consent


@dataclass(frozen=True)
class BankLink:
    bank_id: str
    bank_consent_id: str | None
    access_token: str | None
    refresh_token: str | None
    token_expires_at: dt.datetime | None
    accounts: tuple[str, ...]
    authorised_at: dt.datetime | None
    reauthentication_required: bool


def bank_links(session: Session, consent_id: str, *, adapters: Adapters) -> list[BankLink]:
    """Per bank with live access: its consent id, decrypted tokens and the chosen accounts.
    A link past 180 days since SCA is returned flagged `reauthentication_required`."""
    now = adapters.now()
    with unit_of_work(session):
        rows = session.scalars(
            select(ConsentBank).where(ConsentBank.consent_id == consent_id,
                                      ConsentBank.status.in_(("authorised", "reauth_required")))
            .order_by(ConsentBank.bank_id)
        ).all()
    links = []
    for row in rows:
        links.append(BankLink(
            bank_id=row.bank_id, bank_consent_id=row.bank_consent_id,
            access_token=open_token(row, "access", row.access_token, adapters),
            refresh_token=open_token(row, "refresh", row.refresh_token, adapters),
            token_expires_at=row.token_expires_at, accounts=tuple(row.accounts or ()),
            authorised_at=row.authorised_at,
            reauthentication_required=row.status == "reauth_required"
            or domain.needs_reauthentication(row.authorised_at, now),
        ))
    return links


def _bank_row(session: Session, consent_id: str, bank_id: str) -> ConsentBank:
    row = bank_link(session, consent_id, bank_id)
    if row is None:
        raise ConsentNotFound(consent_id)
    return row


def update_bank_tokens(session: Session, consent_id: str, bank_id: str, *, access_token: str,
                       refresh_token: str | None, expires_at: dt.datetime | None,
                       adapters: Adapters, actor: Actor | None = None) -> None:
    """After a refresh at the bank: store the new tokens (encrypted) and audit it."""
    now = adapters.now()
    with unit_of_work(session):
        consent = owned(session, consent_id)
        row = _bank_row(session, consent_id, bank_id)
        store_tokens(row, access_token, refresh_token, expires_at, adapters)
        row.updated_at = now
        audit.append(session, consent, actor or Actor("system", "aggregation"),
                     "bank.tokens_refreshed", {"bank_id": bank_id}, now=now)


def mark_bank_reauth_required(session: Session, consent_id: str, bank_id: str, *,
                              reason: str, adapters: Adapters, actor: Actor | None = None
                              ) -> None:
    """The bank says its consent is gone or SCA is due: the PSU must renew at that bank."""
    now = adapters.now()
    with unit_of_work(session):
        consent = owned(session, consent_id)
        row = _bank_row(session, consent_id, bank_id)
        if row.status == "authorised":
            row.status = "reauth_required"
            row.failure_reason = reason[:200]
            row.updated_at = now
            reason_code = domain.reauthentication_reason(bank_id)
            consent.status_reason_code = reason_code.code
            consent.status_reason_description = reason_code.message
            audit.append(session, consent, actor or Actor("system", "aggregation"),
                         "bank.reauthentication_required",
                         {"bank_id": bank_id, "reason": reason[:200]}, now=now)


def record_access(session: Session, consent_id: str, *, client_id: str, resource: str,
                  banks: list[str], actor: Actor, adapters: Adapters,
                  psu_present: bool = False) -> None:
    """Audit one data access (which resource, which banks), in the caller's unit of work if
    one is open, else in its own."""
    now = adapters.now()
    with unit_of_work(session):
        consent = owned(session, consent_id, client_id)
        audit.append(session, consent, actor, "data.accessed",
                     {"resource": resource, "banks": sorted(banks),
                      "psu_present": psu_present}, now=now)


def record_erasure(session: Session, consent_id: str, *, data: str, count: int, accounts: int,
                   reason: str, adapters: Adapters) -> None:
    """Audit that data read under the consent was erased (GDPR Art. 17), in the caller's unit
    of work if one is open, else in its own. A consent purged after its retention took its
    trail with it: the erasure is then recorded in the log."""
    now = adapters.now()
    details = {"data": data, "count": count, "accounts": accounts, "reason": reason}
    with unit_of_work(session):
        consent = locked(session, consent_id)
        if consent is None:
            log.info("data_erased_without_trail", consent_id=consent_id, **details)
            return
        audit.append(session, consent, Actor("system", "aggregation"), "data.erased", details,
                     now=now)


def ended_consents(session: Session, consent_ids: list[str], *,
                   now: dt.datetime | None = None) -> list[str]:
    """Of these ids, the consents that no longer grant access (revoked, rejected, expired or
    past their expiry, or unknown): what other packages keep for them must be erased."""
    now = now or dt.datetime.now(dt.UTC)
    with unit_of_work(session):
        live = {c.id for c in session.scalars(select(Consent).where(
            Consent.id.in_(consent_ids), Consent.status.in_((S.AWAU.value, S.AUTH.value))))
            if not domain.is_expired(c.expiration_at, now)}
    return [cid for cid in consent_ids if cid not in live]


def require_bank_access(link: BankLink, consent_id: str) -> None:
    if link.reauthentication_required:
        raise ReauthenticationRequired(consent_id, link.bank_id)


# --- for the privacy package -----------------------------------------------------------------

def end_all_for_psu(session: Session, subject, *, adapters: Adapters) -> int:
    """Revoke every live consent of the PSU `subject` (a core.personal_data.Subject) and
    delete it at every bank, through the revocation path a PSU's own revoke takes; consents
    already ended whose bank-side deletion failed are retried. Safe to repeat."""
    with unit_of_work(session):
        rows = session.execute(select(Consent.id, Consent.status).where(
            Consent.psu_id.in_(subject.ids))).all()
        pending_banks = set(session.scalars(select(ConsentBank.consent_id).where(
            ConsentBank.consent_id.in_([r.id for r in rows]),
            ConsentBank.status.in_(("authorised", "reauth_required", "pending")))))
    ended = 0
    for consent_id, status in rows:
        if status in revocation.LIVE:
            revocation.cancel(session, consent_id, actor=ERASURE_ACTOR, adapters=adapters,
                              reason=domain.REVOKED_BY_PSU, action="consent.revoked_for_erasure")
            ended += 1
        elif consent_id in pending_banks:
            revocation.delete_bank_consents(session, consent_id, actor=ERASURE_ACTOR,
                                            adapters=adapters)
    return ended


def psu_consent_ids(session: Session, subject) -> list[str]:
    """Ids of every consent the PSU `subject` authorised (before or after erasure)."""
    with unit_of_work(session):
        return personal_data.consent_ids(session, subject)


def consent_statuses(session: Session, consent_ids: list[str]) -> dict[str, str]:
    """Status of each consent that still exists (unknown ids are left out)."""
    with unit_of_work(session):
        return dict(session.execute(select(Consent.id, Consent.status).where(
            Consent.id.in_(consent_ids))).all())
