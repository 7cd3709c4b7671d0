"""Per-TPP rate limits (flask-limiter) on Redis, or in memory on the embedded default.

If Redis fails, limits fall back to per-process memory rather than failing requests (safe mode:
each worker still limits on its own). The key is the authenticated client, else the address.
"""

from __future__ import annotations

from flask import g, request
from flask_limiter import Limiter


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
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_ENABLED", app.config.get("RATELIMIT_ENABLED", True))
    limiter.init_app(app)
