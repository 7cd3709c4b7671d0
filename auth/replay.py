"""Single-use values (DPoP proof `jti`, client assertion `jti`) remembered in Redis.

`SET NX EX` is atomic, so two workers racing with the same value see exactly one winner. If Redis
cannot answer we fail closed: a replay cache that silently accepts is worse than a 503.
"""

from __future__ import annotations

import hashlib

import redis


class ReplayCacheUnavailable(Exception):
    """The replay cache did not answer; the caller must refuse the request."""


def replay_cache_key(namespace: str, value: str) -> str:
    return f"replay:{namespace}:{hashlib.sha256(value.encode()).hexdigest()}"


def first_use(client: redis.Redis, namespace: str, value: str, ttl_seconds: int) -> bool:
    try:
        return bool(client.set(replay_cache_key(namespace, value), 1, nx=True,
                               ex=max(1, int(ttl_seconds))))
    except redis.RedisError as exc:
        raise ReplayCacheUnavailable(str(exc)) from exc
