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


def round_trip(client: redis.Redis, commands: list[tuple]) -> list:
    """Send `commands` (each a tuple such as ("MGET", key, ...)) in one write and read their
    raw replies, as a pipeline without transaction does but without redis-py's per-pipeline
    bookkeeping (a third of the CPU of the access-token check's round trip). Replies are
    Redis's own: bytes, integers, lists, None. Every reply is read before the first error
    reply is raised, so the pooled connection stays in step; a connection that fails is
    dropped and the commands are sent once more on a fresh one, as redis-py retries."""
    try:
        return _send(client, commands)
    except redis.ConnectionError:
        return _send(client, commands)


def _send(client: redis.Redis, commands: list[tuple]) -> list:
    pool = client.connection_pool
    conn = pool.get_connection()
    try:
        conn.send_packed_command(conn.pack_commands(commands))
        replies = []
        for _ in commands:
            try:
                replies.append(conn.read_response())
            except redis.ResponseError as exc:
                replies.append(exc)
    except BaseException:
        conn.disconnect()
        raise
    finally:
        pool.release(conn)
    for reply in replies:
        if isinstance(reply, redis.ResponseError):
            raise reply
    return replies
