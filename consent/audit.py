"""The consent audit trail: append-only events, hash-chained per consent.

Each event's hash covers its consent id, sequence number, time, actor, action, details,
interaction id and the previous event's hash; the consent row keeps the head (last seq and
hash). Editing, deleting, inserting or reordering an event, or cutting the tail off, therefore
breaks `verify`. Appends happen inside the caller's transaction, with the consent row locked,
so an event exists exactly when the change it records does.

Details never carry tokens, account numbers or names: ids and codes only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from consent.models import GENESIS_HASH, Consent, ConsentEvent


@dataclass(frozen=True)
class Actor:
    """Who acted: `tpp:<client_id>`, `psu:<psu_id>`, `system:<job>`; and under which request."""

    kind: str
    id: str
    interaction_id: str | None = None

    @property
    def label(self) -> str:
        return f"{self.kind}:{self.id}"


def canonical(details: dict[str, Any]) -> str:
    return json.dumps(details, sort_keys=True, separators=(",", ":"), default=str)


def event_hash(consent_id: str, seq: int, occurred_at: dt.datetime, actor: str, action: str,
               details: str, interaction_id: str | None, prev_hash: str) -> str:
    material = json.dumps(
        [consent_id, seq, occurred_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
         actor, action, details, interaction_id, prev_hash],
        separators=(",", ":"),
    )
    return hashlib.sha256(material.encode()).hexdigest()


def append(session: Session, consent: Consent, actor: Actor, action: str,
           details: dict[str, Any] | None = None, *, now: dt.datetime) -> ConsentEvent:
    """Add the next event of `consent`'s chain. The caller holds the consent row locked."""
    seq = consent.audit_seq + 1
    text = canonical(details or {})
    # Microsecond precision is what both backends store; hash what will be read back.
    occurred = now.astimezone(dt.UTC)
    digest = event_hash(consent.id, seq, occurred, actor.label, action, text,
                        actor.interaction_id, consent.audit_head)
    event = ConsentEvent(consent_id=consent.id, seq=seq, occurred_at=occurred,
                         actor=actor.label, action=action, details=text,
                         interaction_id=actor.interaction_id, prev_hash=consent.audit_head,
                         hash=digest)
    session.add(event)
    consent.audit_seq = seq
    consent.audit_head = digest
    return event


@dataclass(frozen=True)
class ChainFault:
    consent_id: str
    seq: int
    problem: str

    def __str__(self) -> str:
        return f"{self.consent_id} #{self.seq}: {self.problem}"


def verify_chain(consent_id: str, events: Iterable[ConsentEvent], head_seq: int | None = None,
                 head_hash: str | None = None) -> list[ChainFault]:
    """Faults in one consent's chain (events in seq order); empty when intact."""
    faults: list[ChainFault] = []
    prev, expected_seq = GENESIS_HASH, 1
    for event in events:
        if event.seq != expected_seq:
            faults.append(ChainFault(consent_id, event.seq, f"expected seq {expected_seq}"))
        if event.prev_hash != prev:
            faults.append(ChainFault(consent_id, event.seq, "prev_hash does not link"))
        digest = event_hash(event.consent_id, event.seq, event.occurred_at, event.actor,
                            event.action, event.details, event.interaction_id, event.prev_hash)
        if digest != event.hash:
            faults.append(ChainFault(consent_id, event.seq, "hash does not match contents"))
        prev, expected_seq = event.hash, event.seq + 1
    if head_seq is not None and head_seq != expected_seq - 1:
        faults.append(ChainFault(consent_id, head_seq, "chain is shorter than the consent's head"))
    if head_hash is not None and head_hash != prev:
        faults.append(ChainFault(consent_id, head_seq or 0, "last hash differs from the head"))
    return faults


def events_for(session: Session, consent_id: str) -> list[ConsentEvent]:
    return list(session.scalars(
        select(ConsentEvent).where(ConsentEvent.consent_id == consent_id)
        .order_by(ConsentEvent.seq)
    ))


def verify_all(session: Session) -> tuple[int, list[ChainFault]]:
    """Check every consent's chain and every orphan chain; return (events checked, faults)."""
    heads = {c.id: (c.audit_seq, c.audit_head) for c in session.scalars(select(Consent))}
    chains: dict[str, list[ConsentEvent]] = {}
    for event in session.scalars(select(ConsentEvent).order_by(ConsentEvent.consent_id,
                                                               ConsentEvent.seq)):
        chains.setdefault(event.consent_id, []).append(event)
    faults: list[ChainFault] = []
    for consent_id in sorted(set(heads) | set(chains)):
        head_seq, head_hash = heads.get(consent_id, (None, None))
        if consent_id not in heads:
            faults.append(ChainFault(consent_id, 0, "events for a consent that does not exist"))
        faults += verify_chain(consent_id, chains.get(consent_id, []), head_seq, head_hash)
    return sum(len(v) for v in chains.values()), faults
