"""The retention purge: for every personal data source, remove what is past its retention
period (its row in the settings table), in batches, one transaction per batch, so a purge of a
large backlog never holds locks for long and a purge cut short has kept what it did.

Sources without a retention setting of their own (cached bank data, say) are asked to purge
what no longer has a reason to exist (the cache of a consent that ended), with `before` = now.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.personal_data import PersonalDataSource, PurgeWindow

DEFAULT_MAX_BATCHES = 10_000  # a stop for a source that keeps answering "removed some"


@dataclass
class PurgeReport:
    removed: dict[str, int] = field(default_factory=dict)
    batches: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.removed.values())


def window_for(source: PersonalDataSource, config: Mapping[str, Any], now: dt.datetime,
               batch: int) -> PurgeWindow:
    setting = source.retention_setting
    days = config[setting] if setting else 0
    return PurgeWindow(now=now, before=now - dt.timedelta(days=days), batch=batch)


def purge(session_factory: Callable[[], Session], sources: list[PersonalDataSource], *,
          config: Mapping[str, Any], now: dt.datetime, batch: int,
          on_batch: Callable[[str, int], None] = lambda _kind, _n: None,
          max_batches: int = DEFAULT_MAX_BATCHES) -> PurgeReport:
    """Purge every source until nothing of it is due; `on_batch(kind, removed)` after each
    committed batch (metrics)."""
    report = PurgeReport()
    for source in sources:
        window = window_for(source, config, now, batch)
        removed = rounds = 0
        while rounds < max_batches:
            with session_factory() as session, unit_of_work(session):
                count = source.purge(session, window)
            if not count:
                break
            rounds += 1
            removed += count
            on_batch(source.kind, count)
            if count < batch:
                break
        report.removed[source.kind] = removed
        report.batches[source.kind] = rounds
    return report
