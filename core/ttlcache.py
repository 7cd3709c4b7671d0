"""A small per-process cache whose entries live `ttl` seconds.

For lookups every request makes and an operator rarely changes (a client's roles, which
client owns a BIC): one database read per key per worker per `ttl`, and a change shows within
`ttl`. Bounded by forgetting everything when full, which only costs a round of reloads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(self, ttl: float, max_entries: int = 10_000) -> None:
        self.ttl, self.max_entries = ttl, max_entries
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], V],
            keep: Callable[[V], bool] = lambda value: True) -> V:
        """The cached value of `key`, else `load()`, remembered when `keep` says so."""
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = load()
        if keep(value):
            self.put(key, value)
        return value

    def put(self, key: Hashable, value: V) -> None:
        """Remember `value` for `key` (replacing what was there) for `ttl` seconds."""
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + self.ttl, value)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
