"""The one-round-trip fixed window: same counts, refusals and window stats as `fixed-window`."""

from __future__ import annotations

import os
import time
import uuid

import pytest
from flask import Flask
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from core.ratelimit import OneTripFixedWindow

REDIS_URL = os.environ.get("REDIS_URL", "")


@pytest.mark.skipif(not REDIS_URL.startswith("redis://"), reason="needs Redis")
def test_one_trip_counts_like_fixed_window_and_remembers_its_stats():
    storage = storage_from_string(REDIS_URL)
    one_trip, plain = OneTripFixedWindow(storage), FixedWindowRateLimiter(storage)
    item, who = parse("2/minute"), str(uuid.uuid4())
    with Flask(__name__).test_request_context():
        assert one_trip.hit(item, who) and one_trip.hit(item, who)
        remembered = one_trip.get_window_stats(item, who)
        read_again = plain.get_window_stats(item, who)
        assert remembered.remaining == read_again.remaining == 0
        assert abs(remembered.reset_time - read_again.reset_time) <= 1
        assert 55 <= remembered.reset_time - time.time() <= 61
        assert not one_trip.hit(item, who)
    assert not plain.hit(item, who)  # the same key, counted once per hit
    storage.clear(item.key_for(who))


def test_one_trip_outside_redis_is_the_plain_fixed_window():
    storage = storage_from_string("memory://")
    item = parse("1/minute")
    with Flask(__name__).test_request_context():
        strategy = OneTripFixedWindow(storage)
        assert strategy.hit(item, "a") and not strategy.hit(item, "a")
        assert strategy.get_window_stats(item, "a").remaining == 0


def test_request_limit_judges_the_pipelined_hit():
    from core.ratelimit import RateLimited, RequestLimit

    limit = RequestLimit(lambda: "2/minute")
    item = limit.item()
    window = limit.judge(item, [2, 41])
    assert (window.limit, window.remaining, window.reset_in) == (2, 0, 41)
    with pytest.raises(RateLimited) as refused:
        limit.judge(item, [3, 41])
    assert refused.value.status == 429
    assert refused.value.headers["Retry-After"] == "41"
    assert refused.value.headers["X-RateLimit-Remaining"] == "0"
    with pytest.raises(RateLimited) as closing:
        limit.judge(item, [3, 0])
    assert closing.value.headers["Retry-After"] == "1"  # never 0: come back, not now


def test_request_limit_counts_in_process_when_redis_cannot(app):
    from core.ratelimit import RateLimited, RequestLimit

    limit, who = RequestLimit(lambda: "2/hour"), str(uuid.uuid4())
    with app.test_request_context():
        assert limit.count_here(who, "op").remaining == 1
        assert limit.count_here(who, "op").remaining == 0
        with pytest.raises(RateLimited):
            limit.count_here(who, "op")
        assert limit.count_here(str(uuid.uuid4()), "op").remaining == 1  # per client


def test_the_limiter_adds_no_per_request_hook_yet_decorated_limits_still_refuse(app):
    from core.ratelimit import limiter

    hooks = app.before_request_funcs.get(None, [])
    assert limiter._check_request_limit not in hooks

    @app.route("/probe/limited-once")
    @limiter.limit("1/minute")
    def limited_once():
        return {"ok": True}

    client = app.test_client()
    allowed = client.get("/probe/limited-once")
    assert allowed.status_code == 200
    # flask-limiter's after-request hook ran for the decorated view: its headers are there
    assert (allowed.headers["X-RateLimit-Limit"], allowed.headers["X-RateLimit-Remaining"]) \
        == ("1", "0")
    refused = client.get("/probe/limited-once")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    # and a view without a decorated limit gets none of them
    assert "X-RateLimit-Limit" not in client.get("/healthz").headers



def test_an_app_with_limits_switched_off_builds(database_url, redis_url, signing_keys_dir):
    from core.app import create_app

    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "TESTING": True,
                      "ISSUER": "http://localhost", "SIGNING_KEYS_DIR": signing_keys_dir,
                      "RATELIMIT_ENABLED": False})
    assert app.test_client().get("/healthz").status_code == 200
    app.extensions["engine"].dispose()
