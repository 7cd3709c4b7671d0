"""The aggregation service as a running app builds it, once, in `init_app`: the app's Redis,
the bank registry's connectors, the consent and status packages' services, and the threads
that call banks and report on them."""

from __future__ import annotations

import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from aggregation.breaker import BankBreakers
from aggregation.cache import Allowance, BalanceCache, ConsentSnapshots
from aggregation.fanout import FanOut
from aggregation.reader import ConnectorReader
from aggregation.registry import RegistryError
from aggregation.service import Aggregator
from consent import access_log
from consent.ports import Adapters
from status import service as status_service


def build_aggregator(app, consent_adapters: Adapters) -> Aggregator:
    config, kv = app.config, app.extensions["redis"]
    return Aggregator(
        fanout=FanOut(config["AGGREGATION_MAX_WORKERS"]),
        breakers=BankBreakers(kv, threshold=config["AGGREGATION_BREAKER_FAILURES"],
                              open_seconds=config["AGGREGATION_BREAKER_OPEN_SECONDS"]),
        cache=BalanceCache(kv, fresh_seconds=config["AGGREGATION_CACHE_SECONDS"]),
        allowance=Allowance(kv),
        snapshots=ConsentSnapshots(kv, seconds=config["AGGREGATION_CONSENT_SNAPSHOT_SECONDS"]),
        reader_for=_readers(app),
        consent_adapters=consent_adapters,
        id_key=_id_key(config["AGGREGATION_ID_KEY"], app.instance_path),
        deadline_seconds=config["AGGREGATION_DEADLINE_SECONDS"],
        frequency_per_day=lambda bank_id: _frequency(app, bank_id),
        planned_downtime=status_service.bank_under_planned_downtime,
        record_calls=lambda calls: status_service.record_bank_calls(
            calls, runtime=app.extensions.get("status")),
        report_calls=None if app.testing else _Background().submit,
        record_access=access_log.for_app(app).record,
        session_factory=app.extensions["session_factory"],
    )


class _Background:
    """One thread per process for work a response need not wait for (created on first use,
    so each forked worker has its own)."""

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0

    def submit(self, job) -> None:
        if self._pool is None or self._pid != os.getpid():
            self._pool, self._pid = ThreadPoolExecutor(1, "bank-reports"), os.getpid()
        self._pool.submit(job)


def _id_key(configured: str, instance_path: str) -> bytes:
    """The HMAC key of our AccountIds: configured (several hosts), else one file per instance
    created once, so every worker derives the same ids and they survive restarts."""
    if configured:
        return configured.encode()
    path = Path(instance_path) / "aggregation-id.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_bytes().strip()


def _readers(app):
    """bank id -> BankReader over that bank's connector (None for a bank the registry does
    not know); `app.extensions["bank_readers"]` (a dict) overrides per bank, for tests and
    demos. The registry is looked up when a bank is first read: a benchmark may swap it."""
    account_calls = FanOut(app.config["AGGREGATION_MAX_WORKERS"] * 2)
    made: dict[str, ConnectorReader] = {}

    def reader_for(bank_id: str):
        override = app.extensions.get("bank_readers", {}).get(bank_id)
        if override is not None:
            return override
        if bank_id not in made:
            try:
                connector = app.extensions["banks"].connector(bank_id)
            except RegistryError:  # an unknown bank
                return None
            made[bank_id] = ConnectorReader(connector, account_calls.pool)
        return made[bank_id]

    return reader_for


def _frequency(app, bank_id: str) -> int:
    registry = app.extensions["banks"]
    return registry.get(bank_id).frequency_per_day if bank_id in registry else 4
