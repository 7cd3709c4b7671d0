"""Webhooks over real HTTP on localhost: signatures verify, a receiver that is down gets every
event once it is back (retries with backoff), and deliveries are listed with their results."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from status import delivery, service, signing, subscriptions
from status.errors import UnknownEventType, WebhookUrlInvalid
from status.models import Delivery
from tests.status.conftest import drain, incident, planned

ALL = ["notice.scheduled", "notice.started", "notice.updated", "notice.completed",
       "notice.cancelled", "bank.unavailable", "bank.recovered"]


def subscribe(rt, session, url, events=ALL, client_id="client-1"):
    return subscriptions.create(rt, session, client_id=client_id, client_name="Budget App",
                                url=url, events=events)


def test_signed_delivery_verifies(rt, session, receiver):
    sub, secret = subscribe(rt, session, receiver.url)
    notice = service.create_notice(rt, session, planned(), actor="op")
    assert delivery.run_once(rt)["delivered"] == 1
    [got] = receiver.received
    assert signing.verify(secret, got.headers, got.body)
    assert got.headers["webhook-id"] == got.json["id"]
    assert got.headers["X-Status-Event"] == "notice.scheduled" == got.json["type"]
    assert got.json["data"]["notice"]["id"] == notice.id
    assert got.json["data"]["notice"]["starts_at"].endswith("Z")
    # A tampered body, another secret or an old timestamp do not verify.
    assert not signing.verify(secret, got.headers, got.body.replace(b"Bank", b"Bonk"))
    assert not signing.verify(signing.new_secret(), got.headers, got.body)
    stale = int(got.headers["webhook-timestamp"]) + signing.TOLERANCE_SECONDS + 1
    assert not signing.verify(secret, got.headers, got.body, now=stale)
    rows, total = subscriptions.deliveries(session, "client-1", sub.id)
    assert total == 1 and rows[0].status == "delivered" and rows[0].last_status_code == 204


def test_only_subscribed_events_are_sent(rt, session, receiver):
    subscribe(rt, session, receiver.url, events=["notice.completed"])
    notice = service.create_notice(rt, session, incident(), actor="op")
    service.change_status(rt, session, notice.id, "completed", actor="op")
    drain(rt)
    assert [r.json["type"] for r in receiver.received] == ["notice.completed"]


def test_receiver_down_then_up_gets_everything_once(rt, session, receiver, clock):
    sub, secret = subscribe(rt, session, receiver.url)
    receiver.down()
    notices = [service.create_notice(rt, session, planned(title=f"Work {i}"), actor="op")
               for i in range(3)]
    counts = delivery.run_once(rt)
    assert counts["retrying"] == 3 and counts["delivered"] == 0
    rows = session.scalars(select(Delivery)).all()
    assert {(d.status, d.attempts) for d in rows} == {("pending", 1)}
    assert all("ConnectError" in d.last_error for d in rows)
    receiver.up()
    receiver.fail_next = 2  # it comes back flaky: two 503s first
    for _ in range(4):
        drain(rt)
    ids = [r.json["id"] for r in receiver.received]
    assert sorted(r.json["data"]["notice"]["id"] for r in receiver.received) == sorted(
        n.id for n in notices)
    assert len(ids) == len(set(ids)) == 3
    assert all(signing.verify(secret, r.headers, r.body) for r in receiver.received)
    session.expire_all()
    rows = session.scalars(select(Delivery)).all()
    assert {d.status for d in rows} == {"delivered"}
    assert sum(d.attempts for d in rows) == 3 + 3 + 2  # down, then 2×503, then ok


def test_backoff_waits_and_gives_up(app, rt, session, receiver, clock):
    rt.settings = rt.settings.__class__(**{**rt.settings.__dict__, "backoff": 60.0,
                                           "max_attempts": 3})
    subscribe(rt, session, receiver.url)
    receiver.fail_next = 100
    service.create_notice(rt, session, planned(), actor="op")
    assert delivery.deliver_due(rt)["retrying"] == 1
    assert delivery.deliver_due(rt) == {"delivered": 0, "retrying": 0, "failed": 0}  # not due
    row = session.scalars(select(Delivery)).one()
    wait = (row.next_attempt_at - clock.now).total_seconds()
    assert 30 <= wait <= 60
    clock.advance(seconds=61)
    assert delivery.deliver_due(rt)["retrying"] == 1
    clock.advance(seconds=121)
    assert delivery.deliver_due(rt)["failed"] == 1
    session.expire_all()
    row = session.scalars(select(Delivery)).one()
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 3, 503)


def test_a_claim_is_won_once_and_expires(rt, session, receiver, clock):
    """At least once: a worker that dies after claiming leaves a lease; after it, another
    worker sends again with the same event id."""
    subscribe(rt, session, receiver.url)
    service.create_notice(rt, session, planned(), actor="op")
    first = delivery.claim_due(rt, session, clock.now)
    assert len(first) == 1 and delivery.claim_due(rt, session, clock.now) == []
    clock.advance(seconds=delivery.lease(rt.settings).total_seconds() + 1)
    drain(rt)
    assert [r.json["id"] for r in receiver.received] == [first[0].event_id]


def test_unsubscribing_cancels_pending(rt, session, receiver):
    sub, _ = subscribe(rt, session, receiver.url)
    service.create_notice(rt, session, planned(), actor="op")
    subscriptions.delete(session, "client-1", sub.id)
    drain(rt)
    assert receiver.received == []
    assert session.scalars(select(Delivery.status)).all() == ["cancelled"]


@pytest.mark.parametrize("url,loopback", [
    ("http://example.com/hook", False), ("https://127.0.0.1/hook", False),
    ("https://10.1.2.3/hook", False), ("https://localhost/hook", False),
    ("https://user:pw@example.com/hook", False), ("ftp://example.com", False),
    ("http://example.com/hook", True), ("http://10.0.0.1/hook", True),
])
def test_url_policy_refuses(url, loopback):
    with pytest.raises(WebhookUrlInvalid):
        subscriptions.check_url(url, loopback)


def test_url_policy_accepts():
    assert subscriptions.check_url("https://tpp.example/hooks", False)
    assert subscriptions.check_url("http://127.0.0.1:8080/hooks", True)
    assert subscriptions.check_url("http://localhost:8080/hooks", True)


def test_unknown_events_refused(rt, session):
    with pytest.raises(UnknownEventType) as err:
        subscribe(rt, session, "https://tpp.example/h", events=["notice.exploded"])
    assert err.value.to_dict()["unknown"] == ["notice.exploded"]


def test_another_clients_subscription_is_not_found(rt, session):
    from core.errors import NotFound

    sub, _ = subscribe(rt, session, "https://tpp.example/h")
    with pytest.raises(NotFound):
        subscriptions.deliveries(session, "client-2", sub.id)


def test_backoff_grows_and_caps(rt):
    s = rt.settings.__class__(**{**rt.settings.__dict__, "backoff": 10.0, "max_backoff": 100.0})
    assert 5 <= delivery.backoff(1, s) <= 10
    assert 20 <= delivery.backoff(3, s) <= 40
    assert 50 <= delivery.backoff(12, s) <= 100
    assert dt.timedelta(seconds=delivery.backoff(2, s)) <= dt.timedelta(seconds=20)
