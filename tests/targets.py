"""Which database and Redis the tests may use. The test setup drops the database's schema and
flushes the Redis database, so it only ever touches an explicit test target:

- database: `TEST_DATABASE_URL`, else a `DATABASE_URL` whose database name (for SQLite, the
  file's name) contains `test`, else a temporary SQLite file when neither is set;
- Redis: `TEST_REDIS_URL`, else a `REDIS_URL` whose database is empty or carries the marker key
  this setup writes into every Redis database it uses, else the in-process fake.

Anything else is refused before a connection is made (or, for Redis, before anything is
written), with one message saying how to point the tests at a test target. Plain Python, so
it is tested on its own (tests/test_targets.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import PurePath

import redis
from sqlalchemy import make_url
from sqlalchemy.exc import ArgumentError

MARKER_KEY = "obhub:test-target"
MARKER_VALUE = "this Redis database is used by the openbanking-hub tests, which flush it"

HOW = ("Point the tests at a test target: TEST_DATABASE_URL=postgresql+psycopg://…/test_… and "
       "TEST_REDIS_URL=redis://…/<n> (or a DATABASE_URL whose database name contains 'test'), "
       "or unset DATABASE_URL and REDIS_URL for a temporary SQLite file and in-process Redis.")


class TargetRefused(Exception):
    """The environment names storage that is not explicitly a test target."""


@dataclass(frozen=True)
class Targets:
    database_url: str  # "" = a temporary SQLite file
    redis_url: str  # "" = the in-process fake


def database_name(url: str) -> str:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise TargetRefused(f"DATABASE_URL is not a database URL. {HOW}") from None
    name = parsed.database or ""
    return PurePath(name).name if parsed.get_backend_name() == "sqlite" else name


def choose_database(env: Mapping[str, str]) -> str:
    if env.get("TEST_DATABASE_URL"):
        return env["TEST_DATABASE_URL"]
    url = env.get("DATABASE_URL", "")
    if not url:
        return ""
    name = database_name(url)
    if "test" not in name.lower():
        raise TargetRefused(
            f"refusing to run the tests against DATABASE_URL (database {name!r}): the test "
            f"setup drops its schema, and its name does not mark it as a test database. {HOW}")
    return url


def choose_redis(env: Mapping[str, str], probe: Callable[[str], str]) -> str:
    """`probe(url)` answers "empty", "marked" or "data" for the Redis database at `url`."""
    if env.get("TEST_REDIS_URL"):
        return env["TEST_REDIS_URL"]
    url = env.get("REDIS_URL", "")
    if not url:
        return ""
    state = probe(url)
    if state not in ("empty", "marked"):
        raise TargetRefused(
            "refusing to run the tests against REDIS_URL: that Redis database holds data and "
            f"not the tests' marker key {MARKER_KEY!r}, and the test setup flushes it. {HOW}")
    return url


def choose(env: Mapping[str, str], probe: Callable[[str], str]) -> Targets:
    return Targets(choose_database(env), choose_redis(env, probe))


def probe_redis(url: str) -> str:
    """Look, without writing: "marked", "empty" or "data"."""
    client = _client(url)
    try:
        if client.exists(MARKER_KEY):
            return "marked"
        return "empty" if client.dbsize() == 0 else "data"
    except Exception as exc:  # noqa: BLE001 - a refusal with the reason, not a stack
        raise TargetRefused(f"cannot reach the test Redis: {exc}") from None
    finally:
        client.close()


def mark(client) -> None:
    """Claim a Redis database for the tests, so the next run recognises it."""
    client.set(MARKER_KEY, MARKER_VALUE)


def flush(client) -> None:
    """Empty a test Redis database and keep it claimed."""
    client.flushdb()
    mark(client)


def _client(url: str):
    return redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
