"""The transactional outbox: an event and one delivery per interested subscription, added to
the caller's session so they commit (or vanish) with the change they report. The worker in
`delivery.py` sends them later.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from status.domain import iso
from status.models import Delivery, Event, Subscription

EVENT_TYPES = (
    "notice.scheduled",
    "notice.started",
    "notice.updated",
    "notice.completed",
    "notice.cancelled",
    "bank.unavailable",
    "bank.recovered",
)


def new_event_id() -> str:
    return f"evt_{uuid.uuid4().hex}"


def emit(session: Session, event_type: str, data: dict[str, Any], now: dt.datetime) -> Event:
    """Add the event and its deliveries; the caller's transaction commits them."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    event_id = new_event_id()
    payload = json.dumps({"id": event_id, "type": event_type, "created_at": iso(now),
                          "data": data}, separators=(",", ":"), default=str)
    event = Event(id=event_id, type=event_type, occurred_at=now, payload=payload)
    session.add(event)
    subscribers = session.scalars(select(Subscription).where(Subscription.active.is_(True)))
    for sub in subscribers:
        if event_type in sub.events:
            session.add(Delivery(event_id=event_id, subscription_id=sub.id, status="pending",
                                 attempts=0, next_attempt_at=now, created_at=now))
    return event
