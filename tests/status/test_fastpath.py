"""The public answers sent again in front of Flask: the same status, headers and body as
Flask sent, 304s, per-request interaction ids and metrics, and a change written anywhere
seen as soon as the Flask path would see it."""

from __future__ import annotations

import uuid

import pytest

from core.web import INTERACTION_HEADER
from status import fastpath, service
from tests.status.conftest import incident
from tests.status.test_publiccache import PUBLIC

EARLIER = "Thu, 01 Jan 2026 00:00:00 GMT"


@pytest.fixture
def dispatched(app):
    """The paths Flask itself answered (the fast path stepped aside)."""
    fast = app.wsgi_app
    assert isinstance(fast, fastpath.FastPath)
    flask_app, paths = fast.wsgi_app, []

    def counting(environ, start_response):
        paths.append(environ["PATH_INFO"])
        return flask_app(environ, start_response)

    fast.wsgi_app = counting
    return paths


def without_interaction_id(response) -> list[tuple[str, str]]:
    return sorted((k, v) for k, v in response.headers.items() if k != INTERACTION_HEADER)


@pytest.mark.parametrize("path", PUBLIC)
def test_the_fast_path_sends_what_flask_sent(client, clock, dispatched, path):
    by_flask = client.get(path)
    again = client.get(path)
    assert dispatched == [path]
    assert again.status_code == by_flask.status_code == 200
    assert again.data == by_flask.data
    assert without_interaction_id(again) == without_interaction_id(by_flask)
    assert again.headers["ETag"] and again.headers["Cache-Control"] == "public, max-age=5"
    ids = {by_flask.headers[INTERACTION_HEADER], again.headers[INTERACTION_HEADER]}
    assert len(ids) == 2 and all(uuid.UUID(i) for i in ids)


@pytest.mark.parametrize("path", PUBLIC)
def test_the_fast_path_answers_conditional_requests_with_304(client, clock, dispatched, path):
    first = client.get(path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    by_flask = client.get(path, headers={"If-None-Match": etag})
    assert by_flask.status_code == 304
    for headers in ({"If-None-Match": etag}, {"If-None-Match": f'"x", W/{etag}'},
                    {"If-Modified-Since": modified}):
        again = client.get(path, headers=headers)
        assert again.status_code == 304 and again.data == b""
        assert without_interaction_id(again) == without_interaction_id(by_flask)
    for headers in ({"If-None-Match": '"other"'}, {"If-Modified-Since": EARLIER}):
        full = client.get(path, headers=headers)
        assert full.status_code == 200 and full.data == first.data
    assert dispatched == [path, path]  # the first 200 and the first 304


def test_the_callers_interaction_id_is_echoed_and_a_bad_one_replaced(client, dispatched):
    client.get("/status/v1/summary")
    sent = str(uuid.uuid4())
    echoed = client.get("/status/v1/summary", headers={INTERACTION_HEADER: sent})
    assert echoed.headers[INTERACTION_HEADER] == sent
    replaced = client.get("/status/v1/summary", headers={INTERACTION_HEADER: "not-a-uuid"})
    assert uuid.UUID(replaced.headers[INTERACTION_HEADER])
    assert dispatched == ["/status/v1/summary"]


def test_answers_sent_again_are_counted_in_the_metrics(app, client):
    client.get("/status/v1/summary")
    for _ in range(3):
        client.get("/status/v1/summary")
    etag = client.get("/status/v1/summary").headers["ETag"]
    client.get("/status/v1/summary", headers={"If-None-Match": etag})
    client.get("/status/v1/summary", headers={"If-None-Match": etag})
    registry = app.extensions["metrics"].registry
    count = registry.get_sample_value(
        "http_requests_total", {"endpoint": "/status/v1/summary", "method": "GET",
                                "status": "200"})
    assert count == 5
    assert registry.get_sample_value(
        "http_requests_total", {"endpoint": "/status/v1/summary", "method": "GET",
                                "status": "304"}) == 2


@pytest.mark.parametrize("headers", [{"DPoP": "a.proof.jwt"}, {"Authorization": "Bearer abc"},
                                     {"X-Ssl-Client-Cert": "x"}, {}])
def test_requests_a_hook_may_answer_differently_go_to_flask(client, dispatched, headers):
    client.get("/status/v1/summary")
    client.get("/status/v1/summary?component=auth")
    client.head("/status/v1/summary")
    if headers:
        client.get("/status/v1/summary", headers=headers)
    else:
        client.set_cookie("session", "x")
        client.get("/status/v1/summary")
    assert len(dispatched) == 4


def test_a_write_in_this_process_shows_on_the_next_request(client, rt, session, dispatched):
    client.get("/status/v1/summary")
    before = client.get("/status/v1/summary")
    service.create_notice(rt, session, incident(), actor="ops")
    after = client.get("/status/v1/summary")
    assert [n["title"] for n in after.get_json()["incidents"]] == ["Token endpoint errors"]
    assert after.headers["ETag"] != before.headers["ETag"]
    assert dispatched == ["/status/v1/summary"] * 2


def test_a_write_through_another_instance_reaches_the_fast_path(app, rt, session, redis_url,
                                                                other):
    """Two app instances on the same database and Redis (two workers, or two hosts): the
    reader's copy, sent by its fast path, gives way to the new one at its next generation
    check."""
    if not redis_url:
        pytest.skip("the embedded kv store is per process; needs REDIS_URL")
    ticks = [0.0]
    other.extensions["status"].public_cache.monotonic = lambda: ticks[0]
    reader = other.test_client()
    first = reader.get("/status/v1/summary")
    assert reader.get("/status/v1/summary").data == first.data  # sent again
    assert other.wsgi_app.kept["/status/v1/summary"].full is not None
    service.create_notice(rt, session, incident(), actor="ops")  # through `app`
    ticks[0] += 1.0
    after = reader.get("/status/v1/summary", headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200
    assert [n["title"] for n in after.get_json()["incidents"]] == ["Token endpoint errors"]
