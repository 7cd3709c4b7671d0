"""Balances cached per account, and the unattended-read allowance. Redis (or the in-process
fakeredis); no Flask.

Cache: one Redis hash per consent and bank (`agg:bal:<consent>:<bank>`), one field per account
holding that account's normalised data and when it was fetched. A whole `GET /balances` is then
one pipelined round trip however many banks the consent spans, and a single account is one
HMGET. An entry is *fresh* for `fresh_seconds` (served without calling the bank) and *kept*
for `keep_seconds` (served, marked with its age, when the bank cannot or may not be called).

Allowance (Berlin Group `frequencyPerDay`, RTS Art. 36(5)(b)): reads the PSU is not actively
asking for are counted per consent, account and UTC day; a read of several accounts goes ahead
only if every one of them is under the allowance, and then counts for each (atomically, in Lua,
so concurrent workers cannot overshoot). PSU-present reads are not counted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import redis

CACHE_PREFIX = "agg:bal:"
ALLOWANCE_PREFIX = "agg:freq:"
STAMP = "fetched_at"

_CONSUME = """
local limit = tonumber(ARGV[1])
local ttl = tonumber(ARGV[2])
for _, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= limit then
    return 0
  end
end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('EXPIRE', key, ttl)
end
return 1
"""


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass(frozen=True)
class Cached:
    """One account's cached data and its age."""

    account_id: str
    data: dict[str, Any]
    fetched_at: dt.datetime

    def is_fresh(self, now: dt.datetime, fresh_seconds: float) -> bool:
        return (now - self.fetched_at).total_seconds() < fresh_seconds


def link_key(consent_id: str, bank_id: str) -> str:
    return f"{CACHE_PREFIX}{consent_id}:{bank_id}"


class BalanceCache:
    def __init__(self, client: redis.Redis, *, fresh_seconds: float = 30.0,
                 keep_seconds: float = 26 * 3600) -> None:
        self.client = client
        self.fresh_seconds = fresh_seconds
        self.keep_seconds = int(keep_seconds)

    def read_links(self, links: Sequence[tuple[str, str]]
                   ) -> dict[tuple[str, str], list[Cached]]:
        """(consent, bank) -> that bank's cached accounts (empty if none). One round trip."""
        if not links:
            return {}
        pipe = self.client.pipeline(transaction=False)
        for consent_id, bank_id in links:
            pipe.hgetall(link_key(consent_id, bank_id))
        return {link: _decode_all(raw) for link, raw in zip(links, pipe.execute(), strict=True)}

    def read_account(self, consent_id: str, bank_id: str, account_id: str) -> Cached | None:
        raw = self.client.hget(link_key(consent_id, bank_id), account_id)
        return _decode(account_id, raw) if raw is not None else None

    def write_links(self, snapshots: Mapping[tuple[str, str], Mapping[str, dict[str, Any]]],
                    fetched_at: Mapping[tuple[str, str], dt.datetime], *,
                    replace: bool = True) -> None:
        """Store each bank's accounts. `replace` drops accounts the bank no longer returned
        (a full read); a single-account read only updates its own field."""
        if not snapshots:
            return
        pipe = self.client.pipeline(transaction=True)
        for link, accounts in snapshots.items():
            key = link_key(*link)
            stamp = fetched_at[link].isoformat()
            if replace:
                pipe.delete(key)
            if accounts:
                pipe.hset(key, mapping={
                    account_id: json.dumps({STAMP: stamp, "data": data}, separators=(",", ":"))
                    for account_id, data in accounts.items()})
                pipe.expire(key, self.keep_seconds)
        pipe.execute()

    def forget(self, links: Iterable[tuple[str, str]]) -> None:
        keys = [link_key(*link) for link in links]
        if keys:
            self.client.delete(*keys)


def _decode(account_id: str, raw: bytes | str) -> Cached | None:
    try:
        entry = json.loads(raw)
        return Cached(account_id, entry["data"], dt.datetime.fromisoformat(entry[STAMP]))
    except (ValueError, KeyError, TypeError):
        return None  # an unreadable entry is a miss, never an error


def _decode_all(raw: Mapping[bytes | str, bytes | str]) -> list[Cached]:
    entries = (_decode(_text(k), v) for k, v in raw.items())
    return sorted((e for e in entries if e is not None), key=lambda e: e.account_id)


class Allowance:
    """Unattended reads per consent, account and UTC day (`frequencyPerDay`)."""

    def __init__(self, client: redis.Redis, *,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
        self.client = client
        self.clock = clock
        self._consume = client.register_script(_CONSUME)

    def _keys(self, consent_id: str, account_ids: Iterable[str]) -> list[str]:
        day = self.clock().strftime("%Y%m%d")
        return [f"{ALLOWANCE_PREFIX}{consent_id}:{a}:{day}" for a in sorted(set(account_ids))]

    def consume(self, consent_id: str, account_ids: Iterable[str], per_day: int) -> bool:
        """Count one unattended read of these accounts if all are under `per_day`; else
        count nothing and return False. No accounts known yet (first read): allowed."""
        keys = self._keys(consent_id, account_ids)
        if not keys:
            return True
        return bool(self._consume(keys=keys, args=[per_day, 2 * 24 * 3600]))

    def used(self, consent_id: str, account_id: str) -> int:
        return int(self.client.get(self._keys(consent_id, [account_id])[0]) or 0)


class ConsentSnapshots:
    """What a cached read needs to know about a consent (owner, permissions, expiry, banks and
    their accounts; never tokens), kept for a few seconds so a read served from the cache
    costs no consent queries. Safe because revocation does not rely on it: revoking a consent
    revokes its access tokens, which the token check sees on the next call; expiry is checked
    against the snapshot's own ExpirationDateTime; and this service drops a snapshot whenever
    it changes a bank link itself."""

    PREFIX = "agg:consent:"

    def __init__(self, client: redis.Redis, *, seconds: float = 5.0) -> None:
        self.client = client
        self.ms = int(seconds * 1000)

    def get(self, consent_id: str) -> dict[str, Any] | None:
        if self.ms <= 0:
            return None
        raw = self.client.get(self.PREFIX + consent_id)
        try:
            return json.loads(raw) if raw is not None else None
        except ValueError:
            return None

    def get_with_cache(self, consent_id: str, cache: BalanceCache, bank_ids: Sequence[str]
                       ) -> tuple[dict[str, Any] | None, dict[tuple[str, str], list[Cached]]]:
        """The snapshot and the cache entries of `bank_ids`, in one pipelined round trip."""
        links = [(consent_id, bank_id) for bank_id in bank_ids]
        if self.ms <= 0:
            return None, cache.read_links(links)
        pipe = self.client.pipeline(transaction=False)
        pipe.get(self.PREFIX + consent_id)
        for link in links:
            pipe.hgetall(link_key(*link))
        raw, *entries = pipe.execute()
        try:
            snapshot = json.loads(raw) if raw is not None else None
        except ValueError:
            snapshot = None
        return snapshot, {link: _decode_all(found)
                          for link, found in zip(links, entries, strict=True)}

    def put(self, consent_id: str, snapshot: dict[str, Any]) -> None:
        if self.ms > 0:
            self.client.set(self.PREFIX + consent_id, json.dumps(snapshot), px=self.ms)

    def drop(self, consent_id: str) -> None:
        self.client.delete(self.PREFIX + consent_id)
