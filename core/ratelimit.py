"""Per-TPP rate limits (flask-limiter) on Redis, or in memory on the embedded default.

If Redis fails, limits fall back to per-process memory rather than failing requests (safe mode:
each worker still limits on its own). The key is the authenticated client, else the address.

On Redis a limited request costs one round trip: the strategy `fixed-window-one-trip` counts
the hit and reads the window's time to live in one script, and answers the `X-RateLimit-*`
headers from that (flask-limiter's own fixed window reads the count and the TTL again for the
headers: three round trips). Counting, expiry and refusals are those of `fixed-window`.
"""

from __future__ import annotations

import time

from flask import g, has_request_context, request
from flask_limiter import Limiter
from limits import RateLimitItem
from limits.storage import RedisStorage
from limits.strategies import STRATEGIES, FixedWindowRateLimiter, WindowStats

ONE_TRIP = "fixed-window-one-trip"
# limits' own incr_expire.lua, returning the window's remaining seconds too.
_INCR_EXPIRE_TTL = """
local amount = tonumber(ARGV[2])
local current = redis.call("incrby", KEYS[1], amount)
if tonumber(current) == amount then
    redis.call("expire", KEYS[1], ARGV[1])
end
return {current, redis.call("ttl", KEYS[1])}
"""


class OneTripFixedWindow(FixedWindowRateLimiter):
    """`fixed-window`, with the window stats of this request's hit remembered on `g`."""

    _script = None

    def hit(self, item: RateLimitItem, *identifiers: str, cost: int = 1) -> bool:
        if not isinstance(self.storage, RedisStorage) or not has_request_context():
            return super().hit(item, *identifiers, cost=cost)
        if self._script is None:
            self._script = self.storage.get_connection().register_script(_INCR_EXPIRE_TTL)
        key = item.key_for(*identifiers)
        current, ttl = self._script([self.storage.prefixed_key(key)], [item.get_expiry(), cost])
        windows = g.setdefault("ratelimit_windows", {})
        windows[key] = WindowStats(max(int(ttl), 0) + time.time(),
                                   max(0, item.amount - int(current)))
        return int(current) <= item.amount

    def get_window_stats(self, item: RateLimitItem, *identifiers: str) -> WindowStats:
        if has_request_context():
            known = g.get("ratelimit_windows", {}).get(item.key_for(*identifiers))
            if known is not None:
                return known
        return super().get_window_stats(item, *identifiers)


STRATEGIES.setdefault(ONE_TRIP, OneTripFixedWindow)


def client_or_address() -> str:
    client_id = getattr(g, "client_id", None)
    return f"client:{client_id}" if client_id else f"addr:{request.remote_addr}"


limiter = Limiter(
    key_func=client_or_address,
    default_limits=[],
    headers_enabled=True,
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)


def init_limiter(app, redis_url: str) -> None:
    app.config.setdefault("RATELIMIT_STORAGE_URI", redis_url or "memory://")
    app.config.setdefault("RATELIMIT_STRATEGY", ONE_TRIP)
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_ENABLED", app.config.get("RATELIMIT_ENABLED", True))
    limiter.init_app(app)
