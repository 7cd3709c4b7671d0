"""The operator's webhook for register events (a TPP cut off or reinstated).

Events are rows of `tpp_identity_events`, written in the same transaction as the change they
record, so none is lost; this posts the undelivered ones to REGISTER_WEBHOOK_URL after that
transaction commits and marks each delivered. A failed post leaves the row undelivered for the
next run (`flask registers status` counts them).
"""

from __future__ import annotations

from collections.abc import Callable

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.identity_models import TppIdentityEvent
from core.db import unit_of_work, utcnow
from core.logging import get_logger

log = get_logger("auth.registers")


def _post(url: str, body: dict) -> None:
    httpx.post(url, json=body, timeout=5.0, follow_redirects=False).raise_for_status()


def payload(event: TppIdentityEvent) -> dict:
    return {"type": f"tpp.{event.kind}", "id": event.id, "client_id": event.client_id,
            "at": event.at.isoformat().replace("+00:00", "Z"), **event.detail}


def deliver(session: Session, url: str, post: Callable[[str, dict], None] = _post) -> int:
    """Post every undelivered event, oldest first; how many were delivered."""
    if not url:
        return 0
    delivered = 0
    events = session.scalars(select(TppIdentityEvent).where(
        TppIdentityEvent.webhook_delivered_at.is_(None)).order_by(TppIdentityEvent.id)).all()
    for event in events:
        try:
            post(url, payload(event))
        except (httpx.HTTPError, OSError) as exc:
            log.warning("register_webhook_failed", event_id=event.id,
                        error_type=type(exc).__name__)
            break
        with unit_of_work(session):
            event.webhook_delivered_at = utcnow()
        delivered += 1
    return delivered
