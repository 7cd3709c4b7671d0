"""What the status package needs at run time, built once per app in `init_app` and kept in
`app.extensions["status"]`: the session factory, Redis, its settings, the bank registry and a
clock. Services take it as an argument; nothing here imports Flask.

Settings are read when the app is created: `app.config` (tests' overrides), then the
environment, then the default below.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.banks import BankDirectory
from core.config import parse_setting

# name -> (default, parser, description); the README's configuration table mirrors this.
SETTINGS: dict[str, tuple[Any, Callable[[str], Any], str]] = {
    "STATUS_BANK_IDS": ("", str, "Comma-separated bank ids accepted in notices until the bank "
                        "registry (app.extensions['banks']) exists; empty = any bank-id slug"),
    "STATUS_PAGE_DAYS": (90, int, "Days of availability bars on /status"),
    "STATUS_WORKER": ("auto", str, "In-process webhook/rollup worker thread: on, off, or auto "
                      "(on for the embedded default, off under tests)"),
    "STATUS_WORKER_INTERVAL_SECONDS": (2.0, float, "Pause between worker passes"),
    "STATUS_WEBHOOKS_ALLOW_HTTP_LOOPBACK": (False, lambda v: v.strip().lower() in
                                            {"1", "true", "yes", "on"},
                                            "Accept http://127.0.0.1 / localhost webhook URLs "
                                            "(tests, local demos); production requires https"),
    "STATUS_WEBHOOK_TIMEOUT_SECONDS": (5.0, float, "Timeout of one webhook POST"),
    "STATUS_WEBHOOK_MAX_ATTEMPTS": (12, int, "Attempts before a delivery is marked failed"),
    "STATUS_WEBHOOK_BACKOFF_SECONDS": (15.0, float, "First retry delay; doubles per attempt"),
    "STATUS_WEBHOOK_MAX_BACKOFF_SECONDS": (3600.0, float, "Longest retry delay"),
    "STATUS_OUTAGE_FAILURES": (5, int, "Consecutive failed bank calls that make an outage "
                               "(RTS Art. 33)"),
    "STATUS_OUTAGE_WINDOW_SECONDS": (30.0, float, "…within this many seconds (RTS Art. 33)"),
    "STATUS_MEASURE_FLUSH_SECONDS": (1.0, float, "How often each process adds its request "
                                     "counts to Redis (0: on every request)"),
}


@dataclass(frozen=True)
class StatusSettings:
    bank_ids: tuple[str, ...]
    page_days: int
    worker: str
    worker_interval: float
    allow_http_loopback: bool
    webhook_timeout: float
    max_attempts: int
    backoff: float
    max_backoff: float
    outage_failures: int
    outage_window: float
    measure_flush_seconds: float = 1.0


def load_settings(config: Mapping[str, Any]) -> StatusSettings:
    values = {}
    for name, (default, parser, _) in SETTINGS.items():
        if name in config:
            values[name] = config[name]
        elif os.environ.get(name) not in (None, ""):
            values[name] = parse_setting(name, os.environ[name], parser)
        else:
            values[name] = default
    ids = values["STATUS_BANK_IDS"]
    ids = tuple(b.strip() for b in ids.split(",") if b.strip()) if isinstance(ids, str) else ids
    return StatusSettings(
        bank_ids=tuple(ids), page_days=int(values["STATUS_PAGE_DAYS"]),
        worker=str(values["STATUS_WORKER"]).lower(),
        worker_interval=float(values["STATUS_WORKER_INTERVAL_SECONDS"]),
        allow_http_loopback=bool(values["STATUS_WEBHOOKS_ALLOW_HTTP_LOOPBACK"]),
        webhook_timeout=float(values["STATUS_WEBHOOK_TIMEOUT_SECONDS"]),
        max_attempts=int(values["STATUS_WEBHOOK_MAX_ATTEMPTS"]),
        backoff=float(values["STATUS_WEBHOOK_BACKOFF_SECONDS"]),
        max_backoff=float(values["STATUS_WEBHOOK_MAX_BACKOFF_SECONDS"]),
        outage_failures=int(values["STATUS_OUTAGE_FAILURES"]),
        outage_window=float(values["STATUS_OUTAGE_WINDOW_SECONDS"]),
        measure_flush_seconds=float(values["STATUS_MEASURE_FLUSH_SECONDS"]),
    )


def system_clock() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class StatusRuntime:
    session_factory: Any
    redis: Any
    settings: StatusSettings
    base_url: str = ""
    banks_provider: Callable[[], BankDirectory | None] = lambda: None
    clock: Callable[[], dt.datetime] = system_clock
    recorder: Any = None  # measure.Recorder, set by init_app
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> dt.datetime:
        return self.clock()

    def known_banks(self) -> dict[str, str] | None:
        """{bank id: display name}; None when nothing lists banks (then any slug is taken)."""
        registry = self.banks_provider()
        if registry is not None:
            banks = _registry_entries(registry)
            if banks:
                return banks
        if self.settings.bank_ids:
            return {b: b for b in self.settings.bank_ids}
        return None


def _registry_entries(registry: BankDirectory) -> dict[str, str]:
    return {bank.id: bank.name or bank.id for bank in registry.banks()}
