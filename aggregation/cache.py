"""Balances cached per consent, bank and account, and the unattended-read allowance. Redis (or
the in-process fakeredis); no Flask.

Cache: one Redis hash per consent (`agg:bals:<consent>`), one field per bank holding that bank's
accounts (the normalised domain objects, `AccountRecord`s, in a compact JSON of their own) and
when they were fetched. A whole `GET /balances` then reads one
key however many banks the consent spans (a pipeline of one command per bank cost more client
CPU than everything else a cached read does); a bank's read replaces its field, so accounts the
bank no longer returns disappear with it. An entry is *fresh* for `fresh_seconds` (served
without calling the bank) and *kept* for `keep_seconds` (served, marked with its age, when the
bank cannot or may not be called): the key expires that long after its last write, and a bank
entry older than that is a miss even while other banks keep the key alive.

Allowance (Berlin Group `frequencyPerDay`, RTS Art. 36(5)(b)): reads the PSU is not actively
asking for are counted per consent, account and UTC day; a read of several accounts goes ahead
only if every one of them is under the allowance, and then counts for each (atomically, in Lua,
so concurrent workers cannot overshoot). PSU-present reads are not counted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

import redis

from aggregation.domain import (
    Account,
    AccountIdentifier,
    AccountRecord,
    Balance,
    BalanceType,
    CreditLine,
    Money,
)

# The version names the shape of the cached records, so an entry written before a shape change
# is a miss, never served in the old shape.
CACHE_PREFIX = "agg:bals:v5:"
ALLOWANCE_PREFIX = "agg:freq:"
STAMP = "fetched_at"
DECODED_ENTRIES = 1024  # bank entries a process keeps decoded (each a few KB)

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


def consent_key(consent_id: str) -> str:
    return f"{CACHE_PREFIX}{consent_id}"


class BalanceCache:
    def __init__(self, client: redis.Redis, *, fresh_seconds: float = 30.0,
                 keep_seconds: float = 26 * 3600) -> None:
        self.client = client
        self.fresh_seconds = fresh_seconds
        self.keep_seconds = int(keep_seconds)
        # raw bank entry -> its accounts, decoded: a consent read again before its banks are
        # read again costs no JSON parsing (each worker decodes an entry once per write)
        self._decoded: dict[bytes | str, tuple[dt.datetime, list[AccountRecord]] | None] = {}

    def read(self, consent_id: str, now: dt.datetime) -> dict[str, list[AccountRecord]]:
        """bank -> that bank's cached accounts, sorted by account id (banks without any are
        absent). One command."""
        return self.decode(self.client.hgetall(consent_key(consent_id)), now)

    def decode(self, raw: Mapping[bytes | str, bytes | str], now: dt.datetime
               ) -> dict[str, list[AccountRecord]]:
        """The banks of a raw hash (as `read` or a caller's own pipeline fetched it)."""
        oldest = now - dt.timedelta(seconds=self.keep_seconds)
        decoded = self._decoded
        found = {}
        for bank_id, value in raw.items():
            known = decoded.get(value, False)
            if known is False:
                if len(decoded) >= DECODED_ENTRIES:
                    decoded.clear()
                known = decoded[value] = _decode(_text(bank_id), value)
            if known is not None and known[1] and known[0] >= oldest:
                found[_text(bank_id)] = known[1]
        return found

    def write(self, consent_id: str, banks: Mapping[str, Sequence[AccountRecord]],
              fetched_at: Mapping[str, dt.datetime]) -> None:
        """Store each bank's accounts as read at `fetched_at[bank]`, replacing what the bank
        had (accounts it no longer returned are dropped). One round trip."""
        if not banks:
            return
        key = consent_key(consent_id)
        pipe = self.client.pipeline(transaction=True)
        pipe.hset(key, mapping={
            bank_id: json.dumps({STAMP: fetched_at[bank_id].isoformat(),
                                 "accounts": {r.account_id: _record_json(r) for r in records}},
                                separators=(",", ":"))
            for bank_id, records in banks.items()})
        pipe.expire(key, self.keep_seconds)
        pipe.execute()

    def forget(self, consent_id: str, bank_ids: Iterable[str]) -> None:
        fields = list(bank_ids)
        if fields:
            self.client.hdel(consent_key(consent_id), *fields)


def _decode(bank_id: str, raw: bytes | str) -> tuple[dt.datetime, list[AccountRecord]] | None:
    """One bank's entry: when it was fetched and its accounts. None when it cannot be read (a
    miss, never an error)."""
    try:
        entry = json.loads(raw)
        stamp = dt.datetime.fromisoformat(entry[STAMP])
        accounts = sorted(entry["accounts"].items())
        return stamp, [_record(account_id, bank_id, data, stamp)
                       for account_id, data in accounts]
    except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError):
        return None


def _money(money: Money | None) -> list[str] | None:
    return [str(money.amount), money.currency] if money else None


def _record_json(record: AccountRecord) -> dict[str, Any]:
    account, balances = record.account, record.balances
    return {
        "account": None if account is None else [
            account.account_id, account.currency,
            [[i.scheme, i.identification] for i in account.identifiers], account.name,
            account.product, account.type_code, account.category, account.status],
        "balances": None if balances is None else [
            [b.account_id, b.type.value, _money(b.amount),
             b.as_of.isoformat() if b.as_of else None,
             [[line.included, _money(line.amount), line.type] for line in b.credit_lines]]
            for b in balances]}


def _of(money: list[str] | None) -> Money | None:
    return Money(Decimal(money[0]), money[1]) if money else None


def _record(account_id: str, bank_id: str, data: dict[str, Any], stamp: dt.datetime
            ) -> AccountRecord:
    account = balances = None
    if data["account"] is not None:
        bank_account_id, currency, identifiers, *rest = data["account"]
        account = Account(bank_account_id, currency,
                          tuple(AccountIdentifier(*i) for i in identifiers), *rest)
    if data["balances"] is not None:
        balances = tuple(
            Balance(bank_account_id, BalanceType(kind), _of(amount),
                    dt.datetime.fromisoformat(as_of) if as_of else None,
                    tuple(CreditLine(included, _of(line), line_type)
                          for included, line, line_type in lines))
            for bank_account_id, kind, amount, as_of, lines in data["balances"])
    return AccountRecord(account_id, bank_id, account, balances, stamp)


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

    def get_with_cache(self, consent_id: str, cache: BalanceCache, now: dt.datetime
                       ) -> tuple[dict[str, Any] | None, dict[str, list[AccountRecord]],
                                  tuple | None]:
        """The snapshot, the consent's cached banks and the version of both, in one pipelined
        round trip. The version is the raw values read (None without a snapshot): equal
        versions hold the same consent and the same cached data, and any write that changes
        either changes it."""
        if self.ms <= 0:
            return None, cache.read(consent_id, now), None
        pipe = self.client.pipeline(transaction=False)
        pipe.get(self.PREFIX + consent_id)
        pipe.hgetall(consent_key(consent_id))
        raw, entries = pipe.execute()
        try:
            snapshot = json.loads(raw) if raw is not None else None
        except ValueError:
            snapshot = None
        version = (consent_id, raw, tuple(sorted(entries.items()))) if snapshot else None
        return snapshot, cache.decode(entries, now), version

    def put(self, consent_id: str, snapshot: dict[str, Any]) -> None:
        if self.ms > 0:
            self.client.set(self.PREFIX + consent_id, json.dumps(snapshot), px=self.ms)

    def drop(self, consent_id: str) -> None:
        self.client.delete(self.PREFIX + consent_id)
