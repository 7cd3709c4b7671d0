"""The outbox worker: send due webhook deliveries, retry failures with exponential backoff.

At least once: a delivery is first *claimed* (a conditional UPDATE that pushes its next attempt
a lease into the future, so exactly one worker wins it), then sent outside any transaction,
then its result recorded. A worker that dies between send and record leaves the lease to
expire and the delivery is sent again; receivers dedupe on `webhook-id` (the event id).

One pass (`run_once`) also starts planned work whose window opened and rolls measured minutes
into daily figures, so one process (`flask status deliver`, or the in-process thread of the
embedded default) keeps everything moving.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import httpx
from sqlalchemy import select, update

from core.db import unit_of_work
from status import measure, service, signing, subscriptions
from status.models import Delivery, Subscription
from status.runtime import StatusRuntime, StatusSettings

log = logging.getLogger("status.delivery")
BATCH = 50
SENDERS = 4


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    event_id: str
    event_type: str
    payload: str
    url: str
    secret: str
    attempt: int


@dataclass(frozen=True)
class Result:
    ok: bool
    status_code: int | None = None
    error: str | None = None


def backoff(attempt: int, settings: StatusSettings) -> float:
    """Exponential with jitter: base·2^(n−1), capped, between half and all of it."""
    delay = min(settings.backoff * 2 ** max(attempt - 1, 0), settings.max_backoff)
    return delay / 2 + random.random() * delay / 2


def lease(settings: StatusSettings) -> dt.timedelta:
    return dt.timedelta(seconds=settings.webhook_timeout * 2 + 30)


def claim_due(rt: StatusRuntime, session, now: dt.datetime, limit: int = BATCH) -> list[Claimed]:
    with unit_of_work(session):
        ids = session.scalars(select(Delivery.id).where(
            Delivery.status == "pending", Delivery.next_attempt_at <= now)
            .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)).all()
    claimed = []
    for delivery_id in ids:
        with unit_of_work(session):
            won = session.execute(update(Delivery).where(
                Delivery.id == delivery_id, Delivery.status == "pending",
                Delivery.next_attempt_at <= now).values(
                next_attempt_at=now + lease(rt.settings), attempts=Delivery.attempts + 1,
                last_attempt_at=now)).rowcount
            if won != 1:
                continue
            delivery = session.get(Delivery, delivery_id, populate_existing=True)
            sub = session.get(Subscription, delivery.subscription_id)
            if not sub.active:
                delivery.status = "cancelled"
                continue
            claimed.append(Claimed(delivery.id, delivery.event_id, delivery.event.type,
                                   delivery.event.payload, sub.url, sub.secret,
                                   delivery.attempts))
    return claimed


def send(item: Claimed, settings: StatusSettings, client: httpx.Client) -> Result:
    body = item.payload.encode()
    try:
        subscriptions.check_url(item.url, settings.allow_http_loopback)
        subscriptions.check_resolved(item.url, settings.allow_http_loopback)
        response = client.post(item.url, content=body, headers=signing.headers(
            item.secret, item.event_id, item.event_type, body))
    except Exception as exc:  # noqa: BLE001 - every failure is a result to record
        return Result(False, None, f"{type(exc).__name__}: {str(exc)[:200]}")
    if 200 <= response.status_code < 300:
        return Result(True, response.status_code)
    return Result(False, response.status_code, f"HTTP {response.status_code}")


def record(rt: StatusRuntime, session, item: Claimed, result: Result, now: dt.datetime) -> str:
    with unit_of_work(session):
        delivery = session.get(Delivery, item.delivery_id, populate_existing=True)
        delivery.last_status_code = result.status_code
        delivery.last_error = result.error
        if result.ok:
            delivery.status, delivery.delivered_at = "delivered", now
        elif delivery.attempts >= rt.settings.max_attempts:
            delivery.status = "failed"
        else:
            delivery.next_attempt_at = now + dt.timedelta(
                seconds=backoff(delivery.attempts, rt.settings))
        return delivery.status


def deliver_due(rt: StatusRuntime) -> dict[str, int]:
    counts = {"delivered": 0, "retrying": 0, "failed": 0}
    with rt.session_factory() as session:
        claimed = claim_due(rt, session, rt.now())
    if not claimed:
        return counts
    with httpx.Client(timeout=rt.settings.webhook_timeout, follow_redirects=False) as client:
        with ThreadPoolExecutor(SENDERS, thread_name_prefix="status-webhook") as pool:
            results = list(pool.map(lambda c: send(c, rt.settings, client), claimed))
    with rt.session_factory() as session:
        for item, result in zip(claimed, results, strict=True):
            outcome = record(rt, session, item, result, rt.now())
            counts["retrying" if outcome == "pending" else outcome] += 1
    return counts


def run_once(rt: StatusRuntime) -> dict[str, int]:
    """One worker pass: start due maintenance, roll up measurements, send webhooks."""
    with rt.session_factory() as session:
        started = service.start_due(rt, session)
    if rt.recorder is not None:
        rt.recorder.flush()
    with rt.session_factory() as session:
        minutes = measure.rollup(rt.redis, session, rt.now())
    return {"started": len(started), "minutes": minutes, **deliver_due(rt)}
