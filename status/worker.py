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

from core.kv import is_embedded
from status import delivery
from status.runtime import StatusRuntime

log = logging.getLogger("status.worker")


class BackgroundWorker:
    def __init__(self, runtime: StatusRuntime) -> None:
        self.runtime = runtime
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.pid: int | None = None
        self._lock = threading.Lock()

    def wanted(self, testing: bool) -> bool:
        mode = self.runtime.settings.worker
        if mode == "auto":
            return is_embedded(self.runtime.redis) and not testing
        return mode in ("on", "1", "true", "yes")

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
        failing = False
        while not self.stop.is_set():
            try:
                delivery.run_once(self.runtime)
                failing = False
            except Exception as exc:  # noqa: BLE001 - keep the loop alive; the next pass retries
                # One traceback when passes start failing (e.g. the database is down), then a
                # short line per pass, so an outage doesn't flood the log.
                if failing:
                    log.warning("status worker pass failed again: %s", type(exc).__name__)
                else:
                    log.exception("status worker pass failed")
                failing = True
            self.stop.wait(self.runtime.settings.worker_interval)

    def shutdown(self, timeout: float = 5.0) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout)
