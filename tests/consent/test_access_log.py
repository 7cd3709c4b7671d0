"""Data-access events queued in Redis and chained in batches (`consent.access_log`): nothing
recorded is lost, the chain verifies, dead flushers' entries are taken over, the CLI flushes."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
import redis

from consent import access_log, audit, service
from consent.access_log import DEAD, GROUP, STREAM, AccessLog
from consent.audit import Actor
from tests.consent.conftest import consent_body

BASE = "http://localhost/account-access-consents"
AT = dt.datetime(2026, 5, 1, 9, 30, 0, 123456, tzinfo=dt.UTC)


@pytest.fixture
def consent_id(session, tpp, tpp_actor, adapters):
    _, body = service.create_consent(session, tpp, consent_body(), self_url_base=BASE,
                                     idempotency_key=None, actor=tpp_actor, adapters=adapters)
    return body["Data"]["ConsentId"]


@pytest.fixture
def log(app):
    return AccessLog(app.extensions["redis"], app.extensions["session_factory"],
                     flush_seconds=0)


def read(log, consent_id, tpp, resource="balances", at=AT):
    log.record(consent_id, resource=resource, banks=["beta", "alpha"],
               actor=Actor("tpp", tpp.client_id, "iid-1"), psu_present=True, now=at)


def events(session, consent_id):
    with session.begin():
        return audit.events_for(session, consent_id)


def chain_faults(session):
    with session.begin():
        return audit.verify_all(session)[1]


def test_a_read_is_one_queued_entry_then_a_chained_event(session, log, consent_id, tpp):
    read(log, consent_id, tpp)
    assert log.pending() == 1
    assert [e.action for e in events(session, consent_id)] == ["consent.created"]
    assert log.flush() == 1
    last = events(session, consent_id)[-1]
    assert last.action == "data.accessed" and last.seq == 2
    assert last.actor == f"tpp:{tpp.client_id}" and last.interaction_id == "iid-1"
    assert last.occurred_at == AT
    details = json.loads(last.details)
    assert details["resource"] == "balances" and details["banks"] == ["alpha", "beta"]
    assert details["psu_present"] is True and details["access_id"]
    assert log.pending() == 0 and chain_faults(session) == []


def test_batches_interleave_with_state_changes(session, log, consent_id, tpp, tpp_actor,
                                               adapters):
    for i in range(120):
        read(log, consent_id, tpp, resource=f"r{i}")
    service.record_access(session, consent_id, client_id=tpp.client_id, resource="sync",
                          banks=["alpha"], actor=tpp_actor, adapters=adapters)
    log.batch = 50
    assert log.flush() == 120
    trail = events(session, consent_id)
    assert [e.seq for e in trail] == list(range(1, 123))
    assert [json.loads(e.details)["resource"] for e in trail[2:]] == [f"r{i}" for i in
                                                                       range(120)]
    assert chain_faults(session) == []


def test_a_tampered_access_event_is_detected(app, session, log, consent_id, tpp):
    if app.extensions["engine"].dialect.name != "sqlite":
        pytest.skip("on PostgreSQL the trigger refuses the UPDATE (test_audit checks it)")
    from sqlalchemy import text

    read(log, consent_id, tpp)
    log.flush()
    with app.extensions["engine"].begin() as conn:
        conn.execute(text("UPDATE consent_events SET details = '{}' WHERE action = :a"),
                     {"a": "data.accessed"})
    assert chain_faults(session)


def test_an_unknown_consent_goes_to_the_dead_letter_stream(app, log, tpp):
    read(log, "aac-gone", tpp)
    assert log.flush() == 0
    kv = app.extensions["redis"]
    assert kv.xlen(DEAD) == 1 and log.pending() == 0


def test_a_dead_flushers_entries_are_taken_over(app, session, consent_id, tpp):
    kv = app.extensions["redis"]
    dead = AccessLog(kv, app.extensions["session_factory"], flush_seconds=0)
    read(dead, consent_id, tpp)
    dead._ensure_group()
    kv.xreadgroup(GROUP, "crashed-worker", {STREAM: ">"}, count=10)  # taken, never acked
    live = AccessLog(kv, app.extensions["session_factory"], flush_seconds=0,
                     claim_idle_seconds=0)
    assert live.flush() == 1
    assert events(session, consent_id)[-1].action == "data.accessed"
    assert kv.xpending(STREAM, GROUP)["pending"] == 0


def test_a_failed_batch_stays_queued(app, session, log, consent_id, tpp, monkeypatch):
    read(log, consent_id, tpp)

    def broken(*_args, **_kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(AccessLog, "_chain", staticmethod(broken))
    with pytest.raises(RuntimeError):
        log.flush()
    monkeypatch.undo()
    retry = AccessLog(app.extensions["redis"], app.extensions["session_factory"],
                      flush_seconds=0, claim_idle_seconds=0)
    assert retry.flush() == 1
    assert chain_faults(session) == []


def test_the_background_thread_flushes(app, session, consent_id, tpp):
    log = AccessLog(app.extensions["redis"], app.extensions["session_factory"],
                    flush_seconds=0.05)
    read(log, consent_id, tpp)
    stop = time.monotonic() + 5
    while log.pending() and time.monotonic() < stop:
        time.sleep(0.05)
    log.close()
    assert events(session, consent_id)[-1].action == "data.accessed"


def test_a_read_that_cannot_be_queued_raises(app, tpp):
    broken = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.05)
    log = AccessLog(broken, app.extensions["session_factory"], flush_seconds=0)
    with pytest.raises(redis.RedisError):
        read(log, "aac-x", tpp)


def test_cli_flush_and_verify(app, session, consent_id, tpp):
    log = access_log.for_app(app)
    read(log, consent_id, tpp)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["consent", "flush-access-log"])
    assert out.exit_code == 0 and "appended 1 access event(s)" in out.output
    read(log, consent_id, tpp)
    out = runner.invoke(args=["audit", "verify"])
    assert out.exit_code == 0, out.output
    assert "appended 1 queued access event(s) first" in out.output and "OK" in out.output
    assert [e.action for e in events(session, consent_id)][-2:] == ["data.accessed"] * 2
