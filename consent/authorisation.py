"""PSU authorisation of a consent across banks (no Flask).

1. `begin`: the authorisation server hands over a signed-in PSU and the pushed request naming
   the consent. We keep a pass (`ConsentAuthorisation`) bound to that PSU and to the browser
   (a secret in a cookie), holding auth's continuation (request_uri + interaction) encrypted.
2. `start_bank` / `bank_callback`: for each bank the PSU picks, that bank's own consent and
   OAuth flow through its connector; tokens are stored encrypted, the outcome per bank audited.
   A bank that refuses or fails is reported and the PSU can carry on with the others.
3. `decide`: approve (needs one authorised bank) → AUTH; reject → RJCT and the bank-side
   consents already made are deleted. The caller then finishes auth's flow, which sends the
   TPP its code (or access_denied), state and iss.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent import audit, bankflow, business_service, domain, records, revocation
from consent.crypto import Sealed
from consent.domain import ConsentStatus as S
from consent.errors import InvalidTransition
from consent.models import Consent, ConsentAuthorisation, ConsentBank
from consent.ports import Adapters
from core.db import unit_of_work

PASS_LIFETIME = dt.timedelta(minutes=30)


class PassInvalid(Exception):
    """Unknown, expired, finished, or another browser's authorisation pass."""


@dataclass(frozen=True)
class Continuation:
    request_uri: str
    interaction: str


@dataclass(frozen=True)
class Screen:
    ticket: str
    consent: Consent
    banks: list[bankflow.BankInfo]
    links: dict[str, ConsentBank]
    psu_id: str = ""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def begin(session: Session, *, consent_id: str, client_id: str, psu_id: str, request_uri: str,
          interaction: str, adapters: Adapters, interaction_id: str | None = None
          ) -> tuple[str, str]:
    """Open a pass for this PSU; return (ticket, browser secret for the cookie)."""
    now = adapters.now()
    ticket, secret = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    with unit_of_work(session):
        consent = records.owned(session, consent_id, client_id)
        records.expire_if_due(session, consent, now)
        if consent.status != S.AWAU:
            raise InvalidTransition(consent.status, S.AUTH.value)
        hidden = json.dumps({"request_uri": request_uri, "interaction": interaction,
                             "browser": _digest(secret)})
        sealed = adapters.cipher.seal(hidden, f"pass|{ticket}")
        session.add(ConsentAuthorisation(
            id=ticket, consent_id=consent_id, client_id=client_id, psu_id=psu_id,
            return_to=f"{sealed.key_id}:{sealed.ciphertext}", created_at=now,
            expires_at=now + PASS_LIFETIME))
        audit.append(session, consent, adapters.psu_actor(psu_id, interaction_id),
                     "authorisation.started", {}, now=now)
    return ticket, secret


def _open_pass(session: Session, ticket: str, secret: str | None, adapters: Adapters
               ) -> tuple[ConsentAuthorisation, dict]:
    record = session.get(ConsentAuthorisation, ticket or "")
    if record is None or record.outcome is not None or record.expires_at <= adapters.now():
        raise PassInvalid(ticket)
    key_id, _, ciphertext = record.return_to.partition(":")
    hidden = json.loads(adapters.cipher.open(Sealed(key_id, ciphertext), f"pass|{ticket}"))
    if not secret or not hmac.compare_digest(hidden["browser"], _digest(secret)):
        raise PassInvalid(ticket)
    return record, hidden


def screen(session: Session, ticket: str, secret: str | None, *, adapters: Adapters) -> Screen:
    with unit_of_work(session):
        record, _ = _open_pass(session, ticket, secret, adapters)
        consent = session.get(Consent, record.consent_id)
        links = {row.bank_id: row for row in session.scalars(
            select(ConsentBank).where(ConsentBank.consent_id == consent.id))}
    return Screen(ticket, consent, bankflow.list_banks(adapters), links, record.psu_id)


def start_bank(session: Session, ticket: str, secret: str | None, bank_id: str, *,
               redirect_uri: str, adapters: Adapters, interaction_id: str | None = None,
               psu_ip: str | None = None) -> str:
    """Create the consent at `bank_id` and return the URL to send the PSU to, or "" when the
    PSU approves in the bank's own app (decoupled: then `poll_bank` until it answers). The bank call
    runs outside any transaction: a slow bank must not hold the consent row (nor, in the
    embedded default, SQLite's write lock while the bank is this same server)."""
    known = {b.id for b in bankflow.list_banks(adapters)}
    with unit_of_work(session):
        record, _ = _open_pass(session, ticket, secret, adapters)
        consent = session.get(Consent, record.consent_id)
        terms = bankflow.ConsentTerms(tuple(consent.permissions), consent.expiration_at,
                                      consent.transaction_from, consent.transaction_to,
                                      psu_ip=psu_ip)
    if bank_id not in known:
        raise bankflow.BankFailure(bank_id, "unknown_bank")
    state = secrets.token_urlsafe(24)
    actor = adapters.psu_actor(record.psu_id, interaction_id)
    try:
        started = bankflow.guarded(bank_id, lambda: bankflow.gateway(adapters, bank_id).start(
            terms, state=state, redirect_uri=redirect_uri))
    except bankflow.BankFailure as exc:
        _record_bank(session, record.consent_id, bank_id, adapters, actor, failure=exc.kind)
        raise
    sealed = adapters.cipher.seal(json.dumps(started.flow_secrets),
                                  records.token_context(record.consent_id, bank_id, "flow"))
    _record_bank(session, record.consent_id, bank_id, adapters, actor, pending=(
        started.bank_consent_id, state, f"{sealed.key_id}:{sealed.ciphertext}"))
    return started.redirect_url


def _record_bank(session, consent_id, bank_id, adapters, actor, *, pending=None, failure=None):
    now = adapters.now()
    with unit_of_work(session):
        consent = records.locked(session, consent_id)
        row = records.bank_link(session, consent_id, bank_id)
        if row is None:
            row = ConsentBank(consent_id=consent_id, bank_id=bank_id, accounts=[])
            session.add(row)
        row.updated_at = now
        if failure:
            row.status, row.failure_reason, row.oauth_state = "failed", failure[:200], None
            audit.append(session, consent, actor, "bank.failed",
                         {"bank_id": bank_id, "stage": "start", "kind": failure}, now=now)
        else:
            row.status, row.failure_reason = "pending", None
            row.bank_consent_id, row.oauth_state, row.flow_secrets = pending
            audit.append(session, consent, actor, "bank.authorisation_started",
                         {"bank_id": bank_id}, now=now)


def bank_callback(session: Session, bank_id: str, *, answer: Mapping[str, str],
                  redirect_uri: str, adapters: Adapters,
                  interaction_id: str | None = None) -> str:
    """The bank sent the PSU back with `answer` (its query or fragment parameters): have
    the gateway check it and exchange the code, store tokens; return the ticket."""
    state = bankflow.answer_state(answer)
    with unit_of_work(session):
        row = session.scalars(select(ConsentBank).where(
            ConsentBank.oauth_state == (state or "-"), ConsentBank.bank_id == bank_id,
            ConsentBank.status == "pending")).one_or_none()
        if row is None:
            raise PassInvalid(state)
        record = session.scalars(select(ConsentAuthorisation).where(
            ConsentAuthorisation.consent_id == row.consent_id,
            ConsentAuthorisation.outcome.is_(None)).order_by(
            ConsentAuthorisation.created_at.desc())).first()
        if record is None:
            raise PassInvalid(state)
        flow, kept_state = _open_flow(row, adapters), row.oauth_state or ""
        consent_id, bank_consent_id, ticket = row.consent_id, row.bank_consent_id, record.id
        actor = adapters.psu_actor(record.psu_id, interaction_id)
    error = answer.get("error")
    try:
        if error:
            raise bankflow.BankFailure(bank_id, "refused_by_psu" if error == "access_denied"
                                       else error[:40])
        tokens = bankflow.guarded(bank_id, lambda: bankflow.gateway(adapters, bank_id).finish(
            bank_consent_id, code=answer.get("code") or "", redirect_uri=redirect_uri,
            flow_secrets=flow, answer=answer, state=kept_state))
    except bankflow.BankFailure as exc:
        _finish_bank(session, consent_id, bank_id, adapters, actor, failure=exc.kind)
        return ticket
    _finish_bank(session, consent_id, bank_id, adapters, actor, tokens=tokens)
    return ticket


def poll_bank(session: Session, ticket: str, secret: str | None, bank_id: str, *,
              adapters: Adapters, interaction_id: str | None = None
              ) -> bankflow.BankWait | None:
    """One look at a decoupled approval the PSU gives in the bank's app: the bank's wait
    (its message and interval) while it has not answered, else None once the bank is
    authorised or failed (refused, or no answer by the deadline) and the screen shows it."""
    with unit_of_work(session):
        record, _ = _open_pass(session, ticket, secret, adapters)
        row = records.bank_link(session, record.consent_id, bank_id)
        if row is None or row.status != "pending" or not row.flow_secrets:
            return None
        flow = _open_flow(row, adapters)
        consent_id, bank_consent_id = row.consent_id, row.bank_consent_id
        actor = adapters.psu_actor(record.psu_id, interaction_id)
    try:
        answer = bankflow.guarded(bank_id, lambda: bankflow.gateway(adapters, bank_id).poll(
            bank_consent_id, flow_secrets=flow))
    except bankflow.BankFailure as exc:
        _finish_bank(session, consent_id, bank_id, adapters, actor, failure=exc.kind)
        return None
    if isinstance(answer, bankflow.BankWait):
        return answer
    _finish_bank(session, consent_id, bank_id, adapters, actor, tokens=answer)
    return None


def _open_flow(row: ConsentBank, adapters: Adapters) -> dict[str, str]:
    """The bank flow's secrets `start_bank` sealed (PKCE verifier, SCA authorisation …)."""
    key_id, _, ciphertext = (row.flow_secrets or ":").partition(":")
    return json.loads(adapters.cipher.open(
        Sealed(key_id, ciphertext), records.token_context(row.consent_id, row.bank_id, "flow")))


def _finish_bank(session, consent_id, bank_id, adapters, actor, *, tokens=None, failure=None):
    now = adapters.now()
    with unit_of_work(session):
        consent = records.locked(session, consent_id)
        row = session.scalars(select(ConsentBank).where(
            ConsentBank.consent_id == consent_id, ConsentBank.bank_id == bank_id)).one()
        if row.status != "pending":  # two looks at a decoupled approval raced: one wins
            return
        row.oauth_state, row.flow_secrets, row.updated_at = None, None, now
        if failure:
            row.status, row.failure_reason = "failed", failure[:200]
            audit.append(session, consent, actor, "bank.failed",
                         {"bank_id": bank_id, "stage": "callback", "kind": failure}, now=now)
            return
        records.store_tokens(row, tokens.access_token, tokens.refresh_token, tokens.expires_at,
                             adapters)
        row.status, row.failure_reason = "authorised", None
        row.accounts, row.authorised_at = list(tokens.accounts), now
        audit.append(session, consent, actor, "bank.authorised",
                     {"bank_id": bank_id, "accounts": len(tokens.accounts)}, now=now)


class NoBankAuthorised(Exception):
    """Approve needs at least one bank that granted access."""


def decide(session: Session, ticket: str, secret: str | None, *, approve: bool,
           adapters: Adapters, interaction_id: str | None = None, act_for: str | None = None
           ) -> tuple[Continuation, bool, str]:
    """Approve (AUTH) or reject (RJCT); return auth's continuation, the outcome, consent id.
    If the consent was revoked or expired meanwhile, the outcome is a refusal. `act_for`, a
    business the user acts for, makes it the business's consent if their role allows
    (business.NotPermitted otherwise, and nothing changes)."""
    now = adapters.now()
    with unit_of_work(session):
        record, hidden = _open_pass(session, ticket, secret, adapters)
        if hidden.get("renew"):
            raise PassInvalid(ticket)
        consent = records.locked(session, record.consent_id)
        actor = adapters.psu_actor(record.psu_id, interaction_id)
        authorised = session.scalars(select(ConsentBank.bank_id).where(
            ConsentBank.consent_id == consent.id, ConsentBank.status == "authorised")).all()
        if approve and not authorised:
            raise NoBankAuthorised(ticket)
        records.expire_if_due(session, consent, now)
        approved = False
        try:
            if approve:
                owner, on_behalf = business_service.owner_for_grant(
                    session, record.psu_id, act_for, consent, now)
                records.set_status(session, consent, S.AUTH, domain.AUTHORISED, actor,
                                   "consent.authorised", now, banks=sorted(authorised),
                                   **on_behalf)
                consent.psu_id, consent.authorised_at, approved = owner, now, True
            else:
                records.set_status(session, consent, S.RJCT, domain.REJECTED_BY_PSU, actor,
                                   "consent.rejected", now)
        except InvalidTransition:
            audit.append(session, consent, actor, "authorisation.refused",
                         {"status": consent.status}, now=now)
        record.outcome = "approved" if approved else "rejected"
        continuation = Continuation(hidden["request_uri"], hidden["interaction"])
    if not approved:
        revocation.delete_bank_consents(session, record.consent_id, actor=actor,
                                        adapters=adapters)
    return continuation, approved, record.consent_id
