"""Fault injection against the real servers: PostgreSQL restarted, Redis stopped.

These stop shared servers, so they are opt-in: `RUN_FAULT_TESTS=1` (CI sets it for the
PostgreSQL + Redis run) and the matching URL must point at a real server. On the embedded
default they skip, saying why. Every test that stops a server starts it again in a `finally`,
and waits until it answers, so a failing test never leaves the machine without it.
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest
import redis

REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1",
               "--port", "6379", "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
               "--logfile", "/var/log/redis/ci.log"]


def _opted_in() -> bool:
    return os.environ.get("RUN_FAULT_TESTS") == "1"


@pytest.fixture
def real_postgres(database_url):
    if not _opted_in():
        pytest.skip("destructive fault test: set RUN_FAULT_TESTS=1 (CI does, on PostgreSQL)")
    if not database_url.startswith("postgresql"):
        pytest.skip("needs a real PostgreSQL server (DATABASE_URL=postgresql+psycopg://…)")
    return database_url


@pytest.fixture
def real_redis(redis_url):
    if not _opted_in():
        pytest.skip("destructive fault test: set RUN_FAULT_TESTS=1 (CI does, with Redis)")
    if not redis_url:
        pytest.skip("needs a real Redis server (REDIS_URL=redis://…)")
    return redis_url


def postgres_ready() -> bool:
    return subprocess.run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"]).returncode == 0


def _cluster() -> str:
    return sorted(os.listdir("/etc/postgresql"))[0]


def restart_postgres() -> None:
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", _cluster(), "main", "restart"],
                   check=True, capture_output=True)


def ensure_postgres(timeout: float = 30) -> None:
    if not postgres_ready():
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", _cluster(), "main",
                        "start"], capture_output=True)
    deadline = time.monotonic() + timeout
    while not postgres_ready():
        assert time.monotonic() < deadline, "PostgreSQL did not come back"
        time.sleep(0.2)


def redis_up(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_timeout=0.5).ping())
    except redis.RedisError:
        return False


def stop_redis() -> None:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"],
                   capture_output=True)


def start_redis(url: str, timeout: float = 15) -> None:
    if not redis_up(url):
        os.makedirs("/var/lib/redis", exist_ok=True)
        os.makedirs("/var/log/redis", exist_ok=True)
        subprocess.run(REDIS_START, capture_output=True)
    deadline = time.monotonic() + timeout
    while not redis_up(url):
        assert time.monotonic() < deadline, "Redis did not come back"
        time.sleep(0.1)


def wait_until(predicate, seconds: float, step: float = 0.1):
    """Poll `predicate` until it returns truthy; its last value, and the seconds it took."""
    started = time.monotonic()
    while True:
        value = predicate()
        elapsed = time.monotonic() - started
        if value or elapsed > seconds:
            return value, elapsed
        time.sleep(step)
