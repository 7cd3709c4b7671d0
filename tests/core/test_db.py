"""Pooled connections: pinged only after sitting idle, replaced when the server dropped them."""

import os

import pytest
from sqlalchemy import text

from core.db import make_engine

URL = os.environ.get("DATABASE_URL", "")
pytestmark = pytest.mark.skipif(not URL.startswith("postgresql"),
                                reason="needs PostgreSQL (DATABASE_URL)")


def _backend_pid(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()


def _terminate(pid: int) -> None:
    killer = make_engine(URL, poolclass=None)
    with killer.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.commit()
    killer.dispose()


def test_an_idle_connection_the_server_dropped_is_replaced_unnoticed():
    engine = make_engine(URL, pool_size=1, max_overflow=0, idle_ping_seconds=0)
    try:
        first = _backend_pid(engine)
        _terminate(first)
        assert _backend_pid(engine) != first  # the ping found it gone; no error reached us
    finally:
        engine.dispose()


def test_a_busy_connection_is_not_pinged():
    engine = make_engine(URL, pool_size=1, max_overflow=0, idle_ping_seconds=3600)
    pings = []
    original = engine.dialect.do_ping
    engine.dialect.do_ping = lambda conn: pings.append(conn) or original(conn)
    try:
        for _ in range(3):
            _backend_pid(engine)
        assert pings == []
    finally:
        engine.dialect.do_ping = original
        engine.dispose()

