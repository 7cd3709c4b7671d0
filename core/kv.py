"""The key-value backend for caches, rate limits and replay caches.

Production uses Redis (`REDIS_URL`), shared by every worker on every host. The embedded default
is fakeredis in this process: the same commands and semantics (TTL, SET NX, Lua), so code has
one path and tests exercise it against both.
"""

from __future__ import annotations

import fakeredis
import redis


def make_redis(url: str) -> redis.Redis:
    if url:
        return redis.Redis.from_url(
            url,
            socket_connect_timeout=0.5,
            socket_timeout=0.5,
            health_check_interval=15,
            retry_on_timeout=False,
        )
    return fakeredis.FakeRedis(server=fakeredis.FakeServer())


def is_embedded(client: redis.Redis) -> bool:
    return isinstance(client, fakeredis.FakeRedis)
