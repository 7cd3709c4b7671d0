"""The public answers are rendered once per change, carry validators, answer 304, and change
on the next request after a write or when a scheduled window opens."""

from __future__ import annotations

import datetime as dt
import threading

import fakeredis
import pytest

from core.db import unit_of_work
from status import lifecycle, publiccache, reports, service
from tests.status.conftest import T0, incident, planned

PUBLIC = ("/status/v1/summary", "/status", "/status/feed.atom", "/status/v1/availability")


def states(client) -> dict[str, str]:
    return {c["id"]: c["status"] for c in client.get("/status/v1/summary").get_json()[
        "components"]}


@pytest.mark.parametrize("path", PUBLIC)
def test_public_answers_carry_validators_and_answer_304(client, clock, path):
    first = client.get(path)
    assert first.status_code == 200
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag.startswith('"') and etag.endswith('"')  # strong
    assert first.headers["Cache-Control"] == "public, max-age=5"
    same = client.get(path, headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.data == b""
    assert (same.headers["ETag"], same.headers["Cache-Control"]) == (
        etag, "public, max-age=5")
    assert client.get(path, headers={"If-None-Match": f'"x", W/{etag}'}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    earlier = "Thu, 01 Jan 2026 00:00:00 GMT"
    resp = client.get(path, headers={"If-Modified-Since": earlier})
    assert resp.status_code == 200 and resp.data == first.data


def test_summary_is_rendered_once_until_something_changes(client, rt, session, monkeypatch):
    calls = []
    render = reports.summary
    monkeypatch.setattr(reports, "summary", lambda *a: calls.append(1) or render(*a))
    first = client.get("/status/v1/summary")
    for _ in range(3):
        assert client.get("/status/v1/summary").data == first.data
    assert len(calls) == 1
    service.create_notice(rt, session, incident(), actor="ops")
    assert client.get("/status/v1/summary").data != first.data
    assert len(calls) == 2


def test_publish_and_close_show_on_the_next_request(client, rt, session):
    before = client.get("/status/v1/summary")
    notice = service.create_notice(rt, session, incident(), actor="ops")
    during = client.get("/status/v1/summary")
    assert during.headers["ETag"] != before.headers["ETag"]
    assert client.get("/status/v1/summary",
                      headers={"If-None-Match": before.headers["ETag"]}).status_code == 200
    assert [n["title"] for n in during.get_json()["incidents"]] == ["Token endpoint errors"]
    assert states(client)["auth"] == "partial_outage"
    assert "Token endpoint errors" in client.get("/status").get_data(as_text=True)
    assert "Token endpoint errors" in client.get("/status/feed.atom").get_data(as_text=True)
    service.add_update(rt, session, notice.id, "Fixed the pool size.", actor="ops")
    assert "Fixed the pool size." in client.get("/status/feed.atom").get_data(as_text=True)
    service.change_status(rt, session, notice.id, "completed", actor="ops")
    after = client.get("/status/v1/summary").get_json()
    assert after["incidents"] == [] and states(client)["auth"] == "operational"


def test_a_rolled_back_write_keeps_the_copy(client, rt, session):
    first = client.get("/status/v1/summary")
    with pytest.raises(RuntimeError), unit_of_work(session):
        lifecycle.add_notice(rt, session, incident(), actor="ops")  # flushed, then undone
        raise RuntimeError
    assert client.get("/status/v1/summary",
                      headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_a_scheduled_window_opens_and_closes_without_a_write(client, rt, session, clock):
    start = T0 + dt.timedelta(days=2)
    service.create_notice(rt, session, planned(start=start, hours=2), actor="ops")
    assert states(client)["alpha-bank"] == "operational"
    clock.now = start - dt.timedelta(seconds=1)
    assert states(client)["alpha-bank"] == "operational"
    clock.now = start
    assert states(client)["alpha-bank"] == "under_maintenance"
    assert "Under maintenance" in client.get("/status").get_data(as_text=True)
    clock.now = start + dt.timedelta(hours=2)
    assert states(client)["alpha-bank"] == "operational"


def test_figures_running_up_to_now_are_rendered_again_after_max_age(client, rt, session,
                                                                    clock):
    service.create_notice(rt, session, incident(), actor="ops")
    first = client.get("/status/v1/availability?component=auth").get_json()
    today = first["components"][0]["days"][-1]
    clock.advance(minutes=10)
    later = client.get("/status/v1/availability?component=auth").get_json()
    assert later["components"][0]["days"][-1]["downtime_seconds"]["unplanned"] == \
        today["downtime_seconds"]["unplanned"] + 600
    assert later["generated_at"] != first["generated_at"]


def test_every_instance_sends_the_same_bytes(client, rt, session, clock, other):
    """Rendered at different times, the answers of two workers are the same, so a poller's
    ETag matches whichever worker it reaches next."""
    service.create_notice(rt, session, incident(), actor="ops")
    service.create_notice(rt, session, planned(), actor="ops")
    for path in PUBLIC:
        clock.now = T0 + dt.timedelta(seconds=1)
        first = client.get(path)
        clock.now = T0 + dt.timedelta(seconds=4)  # figures up to now: the same 5 s step
        second = other.test_client().get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert second.status_code == 304, path
        again = other.test_client().get(path)
        assert again.data == first.data
        assert again.headers["Last-Modified"] == first.headers["Last-Modified"]


def test_a_write_through_another_instance_shows_within_a_second(rt, session, redis_url,
                                                                 other):
    """Two app instances (two workers, or two hosts) sharing Redis: a write through one
    reaches the other's next request after its generation check (at most 1 s)."""
    if not redis_url:
        pytest.skip("the embedded kv store is per process; needs REDIS_URL")
    ticks = [0.0]
    other.extensions["status"].public_cache.monotonic = lambda: ticks[0]
    reader = other.test_client()
    assert reader.get("/status/v1/summary").get_json()["incidents"] == []
    service.create_notice(rt, session, incident(), actor="ops")
    ticks[0] += 1.0
    after = reader.get("/status/v1/summary").get_json()
    assert [n["title"] for n in after["incidents"]] == ["Token endpoint errors"]


class SlowRender:
    """A render that blocks until released, counting its calls."""

    def __init__(self, valid_until=None):
        self.calls, self.started, self.release = 0, threading.Event(), threading.Event()
        self.valid_until = valid_until

    def __call__(self):
        self.calls += 1
        self.started.set()
        assert self.release.wait(5)
        return f"copy {self.calls}".encode(), "text/plain", T0, self.valid_until


def _in_thread(fn):
    out = []
    thread = threading.Thread(target=lambda: out.append(fn()))
    thread.start()
    return thread, out


def test_concurrent_requests_for_a_missing_copy_render_it_once():
    cache = publiccache.PublicCache(fakeredis.FakeRedis())
    render = SlowRender()
    first, got_first = _in_thread(lambda: cache.get("page", T0, render))
    assert render.started.wait(5)
    second, got_second = _in_thread(lambda: cache.get("page", T0, render))
    render.release.set()
    first.join(5)
    second.join(5)
    assert render.calls == 1
    assert got_first[0].body == got_second[0].body == b"copy 1"


def test_a_copy_out_of_time_is_served_while_its_successor_renders():
    cache = publiccache.PublicCache(fakeredis.FakeRedis())
    step = T0 + dt.timedelta(seconds=5)
    render = SlowRender(valid_until=step)
    render.release.set()
    assert cache.get("page", T0, render).body == b"copy 1"
    render.release.clear()
    render.valid_until = step + dt.timedelta(seconds=5)  # the next step's copy
    renderer, got = _in_thread(lambda: cache.get("page", step, render))
    assert render.started.wait(5)
    assert cache.get("page", step, render).body == b"copy 1"  # not a second render
    render.release.set()
    renderer.join(5)
    assert got[0].body == b"copy 2" and render.calls == 2
    assert cache.get("page", step, render).body == b"copy 2"


def test_a_copy_is_servable_while_it_is_what_get_would_answer_without_rendering():
    cache = publiccache.PublicCache(fakeredis.FakeRedis())
    step = T0 + dt.timedelta(seconds=5)
    render = SlowRender(valid_until=step)
    render.release.set()
    assert cache.servable("page", T0) is None  # nothing kept yet
    first = cache.get("page", T0, render)
    assert cache.servable("page", T0) is first
    assert cache.servable("page", step) is None  # out of time: the next request renders
    render.release.clear()
    render.valid_until = step + dt.timedelta(seconds=5)  # the next step's copy
    renderer, got = _in_thread(lambda: cache.get("page", step, render))
    assert render.started.wait(5)
    assert cache.servable("page", step) is first  # while its successor renders
    render.release.set()
    renderer.join(5)
    assert cache.servable("page", step) is got[0]
    cache.changed()
    assert cache.servable("page", step) is None  # after a write


def test_after_a_write_requests_wait_for_the_new_copy():
    client = fakeredis.FakeRedis()
    cache = publiccache.PublicCache(client)
    render = SlowRender()
    render.release.set()
    assert cache.get("page", T0, render).body == b"copy 1"
    render.release.clear()
    render.started.clear()
    cache.changed()
    renderer, _ = _in_thread(lambda: cache.get("page", T0, render))
    assert render.started.wait(5)
    waiter, got = _in_thread(lambda: cache.get("page", T0, render))
    waiter.join(0.2)
    assert waiter.is_alive()  # the old copy is not served after a write
    render.release.set()
    renderer.join(5)
    waiter.join(5)
    assert got[0].body == b"copy 2" and render.calls == 2


def test_a_failed_render_lets_the_next_request_render():
    cache = publiccache.PublicCache(fakeredis.FakeRedis())

    def broken():
        raise RuntimeError("database away")

    with pytest.raises(RuntimeError):
        cache.get("page", T0, broken)
    render = SlowRender()
    render.release.set()
    assert cache.get("page", T0, render).body == b"copy 1"
