"""What the status package needs at run time, built once per app in `init_app` and kept in
`app.extensions["status"]`: the session factory, Redis, its settings, the bank registry and a
clock. Services take it as an argument; nothing here imports Flask.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from core.banks import BankDirectory


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

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> StatusSettings:
        """From the app's settings, parsed at app creation (rows in `status.settings`)."""
        return cls(
            bank_ids=tuple(config["STATUS_BANK_IDS"]), page_days=config["STATUS_PAGE_DAYS"],
            worker=config["STATUS_WORKER"],
            worker_interval=config["STATUS_WORKER_INTERVAL_SECONDS"],
            allow_http_loopback=config["STATUS_WEBHOOKS_ALLOW_HTTP_LOOPBACK"],
            webhook_timeout=config["STATUS_WEBHOOK_TIMEOUT_SECONDS"],
            max_attempts=config["STATUS_WEBHOOK_MAX_ATTEMPTS"],
            backoff=config["STATUS_WEBHOOK_BACKOFF_SECONDS"],
            max_backoff=config["STATUS_WEBHOOK_MAX_BACKOFF_SECONDS"],
            outage_failures=config["STATUS_OUTAGE_FAILURES"],
            outage_window=config["STATUS_OUTAGE_WINDOW_SECONDS"],
            measure_flush_seconds=config["STATUS_MEASURE_FLUSH_SECONDS"],
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
    public_cache: Any = None  # publiccache.PublicCache, set by init_app
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
