"""Measured availability: requests this service answers and bank calls, counted in Redis per
minute, rolled up into daily figures, and published per day and quarter."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from status import delivery, measure, service
from status.models import DailyFigures
from status.observer import component_of
from tests.status.conftest import T0, planned


def test_paths_map_to_components():
    assert component_of("/token") == "auth"
    assert component_of("/.well-known/openid-configuration") == "auth"
    assert component_of("/open-banking/v4.0/aisp/account-access-consents/aac-1") == "accounts"
    assert component_of("/cop/v1/name-verifications") == "payee-checks"
    assert component_of("/vop/v1/payee-verifications/bulk") == "payee-checks"
    assert component_of("/tokenizer") is None
    assert component_of("/status") is None


def test_requests_are_counted_without_database_writes(app, rt, client, session, clock):
    for _ in range(3):
        client.post("/token", data={})  # 4xx: the caller's fault, still available
    client.get("/jwks")
    rt.recorder.flush()
    assert session.scalars(select(DailyFigures)).all() == []
    keys = [k.decode() for k in rt.redis.smembers(measure.PENDING)]
    assert keys == [measure.minute_key("api:auth", int(T0.timestamp() // 60))]
    data = rt.redis.hgetall(keys[0])
    assert int(data[b"n"]) == 4 and b"f" not in data


def test_calls_are_held_in_memory_until_a_flush(rt):
    rec = measure.Recorder(rt.redis, flush_seconds=3600)
    rec.record("api:auth", True, 30.0, T0)
    rec.record("api:auth", False, 300.0, T0)
    key = measure.minute_key("api:auth", int(T0.timestamp() // 60))
    assert not rt.redis.exists(key)  # no round trip per request
    rec.flush()
    data = rt.redis.hgetall(key)
    assert (int(data[b"n"]), int(data[b"f"]), float(data[b"s"])) == (2, 1, 330.0)
    assert int(data[f"h{measure.bucket_of(30.0)}".encode()]) == 1
    rec.flush()  # nothing held: nothing added twice
    assert int(rt.redis.hget(key, "n")) == 2
    immediate = measure.Recorder(rt.redis, flush_seconds=0)
    immediate.record("api:auth", True, 10.0, T0)
    assert int(rt.redis.hget(key, "n")) == 3


def test_rollup_and_availability_figures(rt, session, client, clock):
    rec = rt.recorder
    minute = T0 - dt.timedelta(minutes=10)
    for i in range(10):
        rec.record("api:accounts", i != 0, 80.0 + i, minute)
    for i in range(4):  # a minute where most calls failed: counts as down
        rec.record("api:accounts", i == 0, 500.0, minute + dt.timedelta(minutes=1))
    rec.record("api:accounts", True, 10.0, T0)  # current minute: not rolled yet
    assert delivery.run_once(rt)["minutes"] == 2
    row = session.scalars(select(DailyFigures)).one()
    assert (row.target, row.requests, row.failures) == ("api:accounts", 14, 4)
    assert row.failing_minutes == [8 * 60 + 51]
    assert measure.rollup(rt.redis, session, clock.now) == 0  # nothing twice

    body = client.get("/status/v1/availability?component=accounts&from=2026-11-19"
                      "&to=2026-11-20").get_json()
    assert [c["id"] for c in body["components"]] == ["accounts"] and body["banks"] == []
    yesterday, today = body["components"][0]["days"]
    assert yesterday["period"] == "2026-11-19" and yesterday["requests"] == 0
    assert today["requests"] == 14 and today["errors"] == 4
    assert today["downtime_seconds"] == {"planned": 0.0, "unplanned": 60.0, "total": 60.0}
    assert today["uptime_percent"] == round(100 * (1 - 60 / (9 * 3600)), 3)
    assert 50 <= today["response_time_ms"]["p50"] <= 100
    assert today["response_time_ms"]["p99"] > 250
    [quarter] = body["components"][0]["quarters"]
    assert quarter["period"] == "2026-Q4" and quarter["requests"] == 14


def test_planned_maintenance_counts_as_planned_downtime(rt, session, client, clock):
    start = T0 + dt.timedelta(hours=1)
    notice = service.create_notice(rt, session, planned(start=start), actor="op")
    clock.now = start
    service.change_status(rt, session, notice.id, "in_progress", actor="op")
    clock.advance(minutes=30)
    service.change_status(rt, session, notice.id, "completed", actor="op")
    clock.advance(minutes=30)
    body = client.get("/status/v1/availability?bank=alpha-bank&from=2026-11-20"
                      "&to=2026-11-20").get_json()
    [day] = body["banks"][0]["days"]
    assert day["downtime_seconds"]["planned"] == 1800.0
    assert day["downtime_seconds"]["unplanned"] == 0.0


def test_availability_rejects_bad_ranges(client, clock):
    resp = client.get("/status/v1/availability?from=2026-11-20&to=2026-11-01")
    assert resp.status_code == 422 and resp.mimetype == "application/problem+json"
    assert client.get("/status/v1/availability?component=nope").status_code == 422
