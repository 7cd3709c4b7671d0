"""The in-process worker of the embedded default: a daemon thread running `delivery.run_once`
every few seconds, started by the first request so `make run` needs no second process.

It starts only when STATUS_WORKER is `on`, or `auto` with the in-process Redis and outside
tests (tests call `delivery.run_once` themselves, so they decide when deliveries happen).
Under gunicorn each forked worker starts its own thread on its first request; the delivery
claims make that safe. Production runs `flask status deliver` instead.
"""

from __future__ import annotations

import logging
import os
import threading
import time

from core.kv import is_embedded
from status import delivery
from status.runtime import StatusRuntime

log = logging.getLogger("status.worker")


def cause(exc: BaseException) -> str:
    """The exception's class and the first line of what the driver said (SQLAlchemy wraps
    the driver's error and adds a background URL and the SQL, which say nothing more)."""
    inner = getattr(exc, "orig", None) or exc
    lines = str(inner).strip().splitlines()
    return f"{type(inner).__name__}: {lines[0] if lines else 'no detail'}"


class BackgroundWorker:
    def __init__(self, runtime: StatusRuntime) -> None:
        self.runtime = runtime
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.pid: int | None = None
        self._lock = threading.Lock()
        self.failing_since: float | None = None
        self.failed_passes = 0

    def wanted(self, testing: bool) -> bool:
        mode = self.runtime.settings.worker
        if mode == "auto":
            return is_embedded(self.runtime.redis) and not testing
        return mode == "on"

    def ensure_started(self) -> None:
        """Idempotent and cheap: called before every request."""
        if self.thread is not None and self.pid == os.getpid() and self.thread.is_alive():
            return
        with self._lock:
            if self.thread is not None and self.pid == os.getpid() and self.thread.is_alive():
                return
            self.stop.clear()
            self.pid = os.getpid()
            self.thread = threading.Thread(target=self._loop, name="status-worker", daemon=True)
            self.thread.start()

    def _loop(self) -> None:
        while not self.stop.is_set():
            self.run_pass()
            self.stop.wait(self.runtime.settings.worker_interval)

    def run_pass(self) -> None:
        """One pass. A failure (the database or Redis away) is logged once, as one line with
        its cause, when the outage starts, and once more when passes succeed again: the loop
        retries every few seconds, and a traceback per pass buried everything else."""
        try:
            delivery.run_once(self.runtime)
        except Exception as exc:  # noqa: BLE001 - keep the loop alive; the next pass retries
            if self.failing_since is None:
                self.failing_since = time.monotonic()
                self.failed_passes = 0
                log.warning("status worker pass failed: %s; retrying every %s s, logging again "
                            "when it recovers", cause(exc), self.runtime.settings.worker_interval)
            self.failed_passes += 1
            return
        if self.failing_since is not None:
            log.warning("status worker recovered after %d failed passes (%.0f s)",
                        self.failed_passes, time.monotonic() - self.failing_since)
            self.failing_since = None

    def shutdown(self, timeout: float = 5.0) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout)
