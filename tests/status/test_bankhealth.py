"""A bank crossing into and out of an outage (RTS Art. 33: five consecutive failures within
30 s), from connector call outcomes alone: the notice, the webhooks, the page, the summary."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from status import bankhealth, service, signing, subscriptions
from status.models import Notice
from tests.status.conftest import drain

EVENTS = ["bank.unavailable", "bank.recovered", "notice.started", "notice.completed"]


def summary_status(client, bank):
    body = client.get("/status/v1/summary").get_json()
    return next(c["status"] for c in body["components"] if c["id"] == bank)


def test_outage_and_recovery_end_to_end(rt, session, client, clock, receiver, monkeypatch):
    # the read waits for its state change to be written; roomy, as on a loaded CI machine
    monkeypatch.setattr(bankhealth, "WRITE_WAIT_SECONDS", 30.0)
    sub, secret = subscriptions.create(rt, session, client_id="c1", client_name="TPP",
                                       url=receiver.url, events=EVENTS)
    for _ in range(4):
        clock.advance(seconds=5)
        assert bankhealth.record_call(rt, "beta-bank", False, 30000.0) == "steady"
    assert summary_status(client, "beta-bank") == "operational"
    clock.advance(seconds=5)
    assert bankhealth.record_call(rt, "beta-bank", False, 30000.0) == "down"
    down_at = clock.now
    # Further failures do not declare it again.
    clock.advance(seconds=5)
    assert bankhealth.record_call(rt, "beta-bank", False, 30000.0) == "steady"

    outage = session.scalars(select(Notice)).one()
    assert (outage.kind, outage.status, outage.severity, outage.source, outage.banks) == (
        "unplanned", "in_progress", "critical", "automatic", ["beta-bank"])
    assert summary_status(client, "beta-bank") == "major_outage"
    page = client.get("/status").get_data(as_text=True)
    assert "beta-bank is unavailable" in page and "Major outage" in page
    assert "beta-bank" in client.get("/status/feed.atom").get_data(as_text=True)

    clock.advance(minutes=3)
    assert bankhealth.record_call(rt, "beta-bank", True, 120.0) == "up"
    assert summary_status(client, "beta-bank") == "operational"
    session.expire_all()
    outage = session.get(Notice, outage.id)
    assert outage.status == "completed" and outage.completed_at == clock.now

    drain(rt)
    got = [(r.json["type"], r.json["data"]) for r in receiver.received]
    types = [t for t, _ in got]
    assert sorted(types) == sorted(EVENTS)
    assert all(signing.verify(secret, r.headers, r.body) for r in receiver.received)
    unavailable = next(d for t, d in got if t == "bank.unavailable")
    recovered = next(d for t, d in got if t == "bank.recovered")
    assert unavailable["bank"] == {"id": "beta-bank", "name": "beta-bank"}
    assert unavailable["since"] == down_at.isoformat().replace("+00:00", "Z")
    assert recovered["notice_id"] == outage.id and recovered["duration_seconds"] == 185.0
    history = client.get("/status").get_data(as_text=True)
    assert "Past incidents" in history and "recovered" in history


def test_slow_failures_are_not_an_outage(rt, session, clock):
    """Five failures spread over more than 30 s are not 'within 30 s'."""
    for _ in range(6):
        clock.advance(seconds=8)
        assert bankhealth.record_call(rt, "alpha-bank", False, 100.0) == "steady"
    assert session.scalars(select(Notice)).all() == []


def test_a_success_breaks_the_streak(rt, session, clock):
    for ok in (False, False, False, False, True, False, False, False, False):
        clock.advance(seconds=1)
        assert bankhealth.record_call(rt, "alpha-bank", ok, 100.0) in ("steady", "unknown")
    assert session.scalars(select(Notice)).all() == []


def test_state_lost_in_redis_is_recovered_from_the_database(rt, session, clock):
    for _ in range(5):
        clock.advance(seconds=1)
        bankhealth.record_call(rt, "alpha-bank", False, 100.0)
    rt.redis.delete("status:bank:alpha-bank", "status:bank:alpha-bank:fails")
    clock.advance(seconds=1)
    assert bankhealth.record_call(rt, "alpha-bank", True, 100.0) == "unknown"
    assert session.scalars(select(Notice.status)).all() == ["completed"]


def test_record_bank_call_never_raises(rt, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(rt.redis, "pipeline", broken)
    assert service.record_bank_call("alpha-bank", False, 1.0, runtime=rt) is None
    service.record_bank_calls([("alpha-bank", False, 1.0), ("beta-bank", True, 2.0)], runtime=rt)


def test_one_reads_calls_are_judged_together_in_order(rt, session):
    calls = [("beta-bank", False, 30000.0)] * 5 + [("alpha-bank", True, 80.0)]
    verdicts = bankhealth.record_calls(rt, calls)
    assert verdicts == ["steady"] * 4 + ["down", "unknown"]


def test_record_bank_call_finds_the_app_runtime(app, rt, session, clock):
    with app.app_context():
        service.record_bank_call("alpha-bank", True, 80.0, at=clock.now - dt.timedelta(
            minutes=2))
    rt.recorder.flush()
    assert rt.redis.smembers("status:m:pending")


def test_banks_changing_state_together_are_written_side_by_side(rt, clock, monkeypatch):
    """Each writer waits for the other to have started: written one after another's wait,
    the first would give up and the second would find the barrier broken."""
    import threading

    both = threading.Barrier(2, timeout=1.0)
    met = []

    def write(_rt, bank_id, verdict, _at):
        both.wait()
        met.append((bank_id, verdict))

    monkeypatch.setattr(bankhealth, "_write", write)
    calls = [("alpha-bank", False, 100.0), ("beta-bank", False, 100.0)]
    for _ in range(4):
        clock.advance(seconds=5)
        assert bankhealth.record_calls(rt, calls) == ["steady", "steady"]
    clock.advance(seconds=5)
    assert bankhealth.record_calls(rt, calls) == ["down", "down"]
    assert sorted(met) == [("alpha-bank", "down"), ("beta-bank", "down")]
