"""Per-TPP rate limits (flask-limiter) on Redis, or in memory on the embedded default.

Hot operations declare their limit on `require_token(..., limit=...)` instead of
`@limiter.limit`: the hit then rides in the access-token check's Redis round trip (`RequestLimit`
below), in flask-limiter's storage and with the same fixed-window counting, and the request
pays no round trip and none of flask-limiter's per-request bookkeeping for it.

If Redis fails, limits fall back to per-process memory rather than failing requests (safe mode:
each worker still limits on its own). The key is the authenticated client, else the address.

On Redis a limited request costs one round trip: the strategy `fixed-window-one-trip` counts
the hit and reads the window's time to live in one script, and answers the `X-RateLimit-*`
headers from that (flask-limiter's own fixed window reads the count and the TTL again for the
headers: three round trips). Counting, expiry and refusals are those of `fixed-window`.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import g, has_request_context, request
from flask.globals import request_ctx
from flask_limiter import Limiter
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import STRATEGIES, FixedWindowRateLimiter, WindowStats

from core.errors import Problem

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
    if not (limiter.limit_manager.default_limits or limiter.limit_manager.application_limits):
        # flask-limiter's before_request hook looks for default, application and blueprint
        # limits; this service declares none (hot operations count in the token check, the
        # rest with `@limiter.limit`, which checks itself in the view's wrapper). Left in
        # place, the hook found nothing on every request and cost ~6 % of a payee check.
        hooks = app.before_request_funcs.get(None, [])
        if limiter._check_request_limit in hooks:  # absent when limits are switched off
            hooks.remove(limiter._check_request_limit)
    _only_when_used(app)


# Where flask-limiter keeps its per-request state, made on first use (`Limiter.context`).
_LIMITER_CONTEXT = "_limiter_request_context"


def _only_when_used(app) -> None:
    """flask-limiter's after-request hook (conditional deductions, X-RateLimit-* headers) and
    its teardown (reset) read its per-request state. A request that met no `@limiter.limit`
    never made that state (the hot operations count in the token check), so for it both
    hooks would build an empty state to find nothing in it: they run only when it exists."""
    after = app.after_request_funcs.get(None, [])
    for i, hook in enumerate(after):
        if isinstance(hook, functools.partial) and hook.args[:1] == (limiter,):
            after[i] = _when_used(hook)
    teardown = app.teardown_request_funcs.get(None, [])
    for i, hook in enumerate(teardown):
        if getattr(hook, "__self__", None) is limiter:
            teardown[i] = _when_used(hook)


def _when_used(hook):
    def run_when_used(value):
        if getattr(request_ctx._get_current_object(), _LIMITER_CONTEXT, None) is None:
            return value
        return hook(value)

    return run_when_used


# --- limits counted in the token check's own Redis round trip ------------------------------

class RateLimited(Problem):
    slug = "rate-limited"


@dataclass(frozen=True)
class Window:
    """One request counted against one limit: what the X-RateLimit-* headers say."""

    limit: int
    remaining: int
    reset_in: int  # seconds until the window closes


class RequestLimit:
    """A per-client fixed-window limit for one operation, counted inside the Redis round trip of
    the access-token check (`require_token(..., limit=...)`), so a limited call costs no round
    trip of its own; the same counting, expiry and refusal as `fixed-window-one-trip` above.

    `amount` is a callable returning a limit string ("600/minute"), read per request so that
    configuration changes apply at once. Without Redis (the embedded default), or when the
    round trip failed, the request is counted by flask-limiter's strategy in this process:
    the documented safe mode, in which each worker limits on its own.
    """

    def __init__(self, amount: Callable[[], str]) -> None:
        self.amount = amount

    def item(self) -> RateLimitItem:
        return _parsed(self.amount())

    def queue(self, commands: list[tuple], client_id: str, operation: str
              ) -> RateLimitItem | None:
        """Add the hit to `commands` (a round trip's, `core.kv.round_trip`) when the limiter
        stores in Redis; None when it does not."""
        if not limiter.enabled or not isinstance(limiter.storage, RedisStorage):
            return None
        item = self.item()
        key = limiter.storage.prefixed_key(item.key_for(operation, client_id))
        commands.append(("EVAL", _INCR_EXPIRE_TTL, 1, key, item.get_expiry(), 1))
        return item

    def judge(self, item: RateLimitItem, answer) -> Window:
        current, ttl = (int(v) for v in answer)
        window = Window(item.amount, max(0, item.amount - current), max(int(ttl), 0))
        if current > item.amount:
            raise _refused(window)
        return window

    def count_here(self, client_id: str, operation: str) -> Window | None:
        """Count without a Redis round trip: with flask-limiter's own strategy when it stores
        in memory, else (Redis did not answer) in this process's safe-mode counter."""
        if not limiter.enabled:
            return None
        item = self.item()
        try:
            strategy = _SAFE_MODE if isinstance(limiter.storage, RedisStorage) else limiter.limiter
            allowed = strategy.hit(item, operation, client_id)
            stats = strategy.get_window_stats(item, operation, client_id)
        except Exception:  # noqa: BLE001 - like flask-limiter's swallow_errors: stay up
            return None
        window = Window(item.amount, stats.remaining, max(0, int(stats.reset_time - time.time())))
        if not allowed:
            raise _refused(window)
        return window


def _refused(window: Window) -> RateLimited:
    wait = max(1, window.reset_in)
    return RateLimited(f"Too many requests: at most {window.limit} in this window; retry in "
                       f"{wait} s.", headers={"Retry-After": str(wait), **headers_of(window)})


def headers_of(window: Window) -> dict[str, str]:
    return {"X-RateLimit-Limit": str(window.limit),
            "X-RateLimit-Remaining": str(window.remaining),
            "X-RateLimit-Reset": str(int(time.time()) + window.reset_in)}


_SAFE_MODE = FixedWindowRateLimiter(MemoryStorage())


def in_process_limiter() -> FixedWindowRateLimiter:
    """The per-process counter that limits fall back to while Redis does not answer."""
    return _SAFE_MODE


@functools.lru_cache(maxsize=64)
def _parsed(text: str) -> RateLimitItem:
    return parse(text)
