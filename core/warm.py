"""Work a worker would otherwise do on its first requests, done once as it starts.

A fresh gunicorn worker opens its database and Redis connections, builds each bank's
connector (HTTP pool, signing key) and loads lazily imported code on first use; under load
that made the first requests a worker served several times slower than the rest (a first
aggregated read across ten banks: about 0.6 s against 0.12 s). gunicorn's `post_worker_init`
(gunicorn.conf.py) calls `warm` before the worker takes requests. Each package adds its own
steps with `add_warmer`; a step that fails is logged and skipped, so a bank that is
misconfigured or a database that is briefly away never stops a worker from starting.
"""

from __future__ import annotations

from collections.abc import Callable

from core.logging import get_logger

log = get_logger(__name__)

WARMERS = "warmers"


def add_warmer(app, step: Callable[[], object]) -> None:
    app.extensions.setdefault(WARMERS, []).append(step)


def warm(app) -> list[str]:
    """Run every warm-up step of `app`; the names of those that failed."""
    failed = []
    for step in getattr(app, "extensions", {}).get(WARMERS, []):
        try:
            step()
        except Exception as exc:  # noqa: BLE001 - warming up must never stop a worker
            name = getattr(step, "__qualname__", repr(step))
            failed.append(name)
            log.warning("warm_up_step_failed", step=name, error_type=type(exc).__name__)
    return failed


def core_warmers(app) -> None:
    """One pooled database connection and one Redis connection, opened before the first
    request needs them."""
    engine, kv = app.extensions["engine"], app.extensions["redis"]

    def open_database_connection() -> None:
        with engine.connect():
            pass

    def open_redis_connection() -> None:
        kv.ping()

    add_warmer(app, open_database_connection)
    add_warmer(app, open_redis_connection)
