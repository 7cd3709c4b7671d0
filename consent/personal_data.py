"""Consent's kinds of personal data (see core.personal_data): the PSU's consents with their
history, their bank links, the access log (which TPP read what, when), their authorisation
passes and their dashboard sessions.

Erasure keeps the records (a TPP's consents and their trail are the TPP's and the operator's
evidence too) but puts the PSU's keyed pseudonym where their id was, drops bank tokens, and
replaces the bank-side identifiers by keyed hashes. The audit trail has recorded PSUs by
pseudonym all along, so it is never rewritten and `audit verify` still holds; each consent's
trail gains one `psu.erased` event.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from consent import audit
from consent.access_log import ACTION as ACCESS_ACTION
from consent.audit import Actor
from consent.models import (
    Business,
    BusinessUser,
    Consent,
    ConsentAuthorisation,
    ConsentBank,
    ConsentEvent,
)
from consent.records import locked
from consent.representation import iso
from core.db import utcnow
from core.personal_data import PurgeWindow, Subject, keyed_hash, purge_expired

ERASURE_ACTOR = Actor("system", "erasure")
FINAL = ("RJCT", "EXPD", "CANC")
SESSION_PREFIX = "consent:psu-session:"


def _consents(session: Session, subject: Subject) -> list[Consent]:
    return list(session.scalars(select(Consent).where(Consent.psu_id.in_(subject.ids))
                                .order_by(Consent.created_at, Consent.id)))


def consent_ids(session: Session, subject: Subject) -> list[str]:
    return [c.id for c in _consents(session, subject)]


def _actor(label: str, subject: Subject) -> str:
    """How an export names who acted: the PSU themselves, a TPP by client id, or a job."""
    kind, _, who = label.partition(":")
    if kind == "psu":
        return "you" if who in subject.ids else "psu"
    return label


class Consents:
    kind = "consents"
    retention_setting = "RETENTION_FINISHED_CONSENT_DAYS"

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        out = []
        for c in _consents(session, subject):
            history = [{"sequence": e.seq, "at": iso(e.occurred_at),
                        "actor": _actor(e.actor, subject), "action": e.action,
                        "details": e.details_dict()}
                       for e in audit.events_for(session, c.id) if e.action != ACCESS_ACTION]
            out.append({"consent_id": c.id, "client_id": c.client_id,
                        "client_name": c.client_name, "status": c.status,
                        "status_reason": c.status_reason_code, "permissions": c.permissions,
                        "expires_at": iso(c.expiration_at), "created_at": iso(c.created_at),
                        "authorised_at": iso(c.authorised_at),
                        "status_updated_at": iso(c.status_updated_at), "history": history})
        return out

    def erase(self, session: Session, subject: Subject) -> int:
        changed = 0
        for consent_id in [c.id for c in _consents(session, subject)
                           if c.psu_id != subject.pseudonym]:
            consent = locked(session, consent_id)
            consent.psu_id = subject.pseudonym
            audit.append(session, consent, ERASURE_ACTOR, "psu.erased", {}, now=utcnow())
            changed += 1
        return changed

    def purge(self, session: Session, window: PurgeWindow) -> int:
        """Finished consents past retention, with their trail, bank links and passes. The
        append-only trigger lets only a transaction that declares itself this purge delete
        events, and only of finished consents."""
        ids = list(session.scalars(select(Consent.id).where(
            Consent.status.in_(FINAL), Consent.status_updated_at < window.before)
            .order_by(Consent.id).limit(window.batch)))
        if not ids:
            return 0
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SET LOCAL consent.purge = 'on'"))
        for table in (ConsentEvent, ConsentBank, ConsentAuthorisation):
            session.execute(delete(table).where(table.consent_id.in_(ids)))
        session.execute(delete(Consent).where(Consent.id.in_(ids)))
        return len(ids)


class BankLinks:
    """The banks each consent reaches. Exported without tokens, PKCE secrets or OAuth state."""

    kind = "bank_links"
    retention_setting = None  # goes with its consent

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        ids = consent_ids(session, subject)
        rows = session.scalars(select(ConsentBank).where(ConsentBank.consent_id.in_(ids))
                               .order_by(ConsentBank.consent_id, ConsentBank.bank_id))
        return [{"consent_id": r.consent_id, "bank_id": r.bank_id, "status": r.status,
                 "bank_consent_id": r.bank_consent_id, "accounts": list(r.accounts or []),
                 "authorised_at": iso(r.authorised_at), "updated_at": iso(r.updated_at)}
                for r in rows]

    def erase(self, session: Session, subject: Subject) -> int:
        changed = 0
        ids = consent_ids(session, subject)
        for row in session.scalars(select(ConsentBank).where(ConsentBank.consent_id.in_(ids))):
            if row.access_token is None and row.refresh_token is None and not row.accounts \
                    and row.oauth_state is None and _hashed(row.bank_consent_id):
                continue
            row.access_token = row.refresh_token = row.flow_secrets = row.oauth_state = None
            row.token_key_id = None
            row.accounts = []
            if row.bank_consent_id and not _hashed(row.bank_consent_id):
                row.bank_consent_id = "h:" + keyed_hash(subject.key, row.bank_consent_id)
            if row.status in ("authorised", "pending", "reauth_required"):
                row.status = "revoked"
            changed += 1
        return changed

    def purge(self, session: Session, window: PurgeWindow) -> int:
        return 0


def _hashed(value: str | None) -> bool:
    return value is None or value.startswith("h:")


class AccessLog:
    """Which TPP read what, when: the trail's `data.accessed` events. They name the TPP and the
    resource, never the PSU, so erasure leaves them; they go with their consent."""

    kind = "access_log"
    retention_setting = None

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        consents = {c.id: c for c in _consents(session, subject)}
        events = session.scalars(select(ConsentEvent).where(
            ConsentEvent.consent_id.in_(list(consents)), ConsentEvent.action == ACCESS_ACTION)
            .order_by(ConsentEvent.occurred_at, ConsentEvent.id))
        out = []
        for e in events:
            details = e.details_dict()
            out.append({"consent_id": e.consent_id, "client_id": consents[e.consent_id].client_id,
                        "client_name": consents[e.consent_id].client_name,
                        "at": iso(e.occurred_at), "resource": details.get("resource"),
                        "banks": details.get("banks", []),
                        "psu_present": bool(details.get("psu_present"))})
        return out

    def erase(self, session: Session, subject: Subject) -> int:
        return 0

    def purge(self, session: Session, window: PurgeWindow) -> int:
        return 0


class AuthorisationPasses:
    """The PSU's passes through the consent screen; expired ones are purged."""

    kind = "authorisation_passes"
    retention_setting = "RETENTION_AUTHORISATION_PASS_DAYS"

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        rows = session.scalars(select(ConsentAuthorisation).where(
            ConsentAuthorisation.psu_id.in_(subject.ids)).order_by(ConsentAuthorisation.created_at))
        return [{"consent_id": r.consent_id, "client_id": r.client_id, "outcome": r.outcome,
                 "created_at": iso(r.created_at), "expires_at": iso(r.expires_at)} for r in rows]

    def erase(self, session: Session, subject: Subject) -> int:
        return session.execute(update(ConsentAuthorisation).where(
            ConsentAuthorisation.psu_id == subject.psu_id).values(
            psu_id=subject.pseudonym, return_to="")).rowcount

    def purge(self, session: Session, window: PurgeWindow) -> int:
        return purge_expired(session, ConsentAuthorisation, window)


class DashboardSessions:
    """The PSU's signed-in dashboard sessions (Redis); they expire by themselves."""

    kind = "dashboard_sessions"
    retention_setting = None

    def __init__(self, redis) -> None:
        self.redis = redis

    def _mine(self, subject: Subject) -> list[str]:
        found = []
        for key in self.redis.scan_iter(match=SESSION_PREFIX + "*", count=500):
            raw = self.redis.get(key)
            if raw and json.loads(raw).get("psu_id") in subject.ids:
                found.append(key)
        return found

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        return [{"signed_in": True, "expires_in_seconds": int(self.redis.ttl(key))}
                for key in self._mine(subject)]

    def erase(self, session: Session, subject: Subject) -> int:
        keys = self._mine(subject)
        return int(self.redis.delete(*keys)) if keys else 0

    def purge(self, session: Session, window: PurgeWindow) -> int:
        return 0


class BusinessMemberships:
    """The businesses the PSU acts for, and in which role. Erasure ends the memberships (the
    business's own consents stay the business's)."""

    kind = "business_memberships"
    retention_setting = None

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        rows = session.execute(select(BusinessUser, Business.name).join(
            Business, Business.id == BusinessUser.business_id).where(
            BusinessUser.psu_id.in_(subject.ids)).order_by(Business.name)).all()
        return [{"business_id": m.business_id, "business_name": name, "role": m.role,
                 "max_consent_days": m.max_consent_days, "since": iso(m.created_at),
                 "last_active_at": iso(m.last_active_at)} for m, name in rows]

    def erase(self, session: Session, subject: Subject) -> int:
        return session.execute(delete(BusinessUser).where(
            BusinessUser.psu_id.in_(subject.ids))).rowcount

    def purge(self, session: Session, window: PurgeWindow) -> int:
        return 0


def sources(redis) -> list:
    """Queued data-access events reach the trail only when flushed: callers flush
    (`access_log.for_app(app).flush()`) before an export."""
    return [Consents(), BankLinks(), AccessLog(), AuthorisationPasses(),
            DashboardSessions(redis), BusinessMemberships()]
