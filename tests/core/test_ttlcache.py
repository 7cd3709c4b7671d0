"""The per-process TTL cache behind client views and the requesting-PSP register."""

from __future__ import annotations

from core import ttlcache
from core.ttlcache import TtlCache


def test_loads_once_per_ttl(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(ttlcache.time, "monotonic", lambda: now[0])
    loads = []
    cache = TtlCache(ttl=30)

    def load():
        loads.append(1)
        return len(loads)

    assert [cache.get("k", load), cache.get("k", load)] == [1, 1]
    now[0] += 29.9
    assert cache.get("k", load) == 1
    now[0] += 0.2
    assert cache.get("k", load) == 2
    cache.clear()
    assert cache.get("k", load) == 3


def test_keep_decides_what_is_remembered():
    cache, loads = TtlCache(ttl=30), []
    unknown = [cache.get("k", lambda: loads.append(1), keep=lambda v: v is not None)
               for _ in range(2)]
    assert unknown == [None, None] and len(loads) == 2


def test_a_full_cache_starts_again():
    cache = TtlCache(ttl=30, max_entries=2)
    for key in "abc":
        cache.get(key, lambda key=key: key)
    assert cache.get("a", lambda: "reloaded") == "reloaded"
    assert cache.get("c", lambda: "reloaded") == "c"
