"""Per-bank circuit breaker and `Retry-After` gate, shared by every worker through Redis.

Why not pybreaker's `CircuitRedisStorage`: it makes several round trips per call and lets every
worker probe a half-open bank at once. Two small Lua scripts do the same job atomically in one
round trip for all the banks of a request, and exactly one caller (across all workers and
hosts) gets to probe a bank whose open period has passed. They run unchanged on Redis and on
the in-process fakeredis (with its Lua extra).

States, per bank (one Redis hash `agg:cb:<bank>`):
- closed: calls go through; `fails` counts consecutive failures within `window`.
- open: `threshold` consecutive failures opened it; calls are refused until `open_until`.
- half-open: after `open_until` one caller is admitted as the probe (`probe_until` fences the
  others for `probe_seconds`); its success closes the breaker, its failure re-opens it.

Only failures that say something about the bank's health count (timeouts, 5xx, garbage);
a 429 or a consent gone at the bank is about us, not the bank, and is neutral.

The `Retry-After` gate: a key per scope (bank and consent) holding the time before which we
must not call again; it expires by itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

import redis

PREFIX = "agg:cb:"
WAIT_PREFIX = "agg:ra:"

# KEYS: per request i: breaker hash, retry-after key. ARGV: now_ms, probe_ms.
# Returns per request: "closed" | "open" | "probe" | "wait:<ms left>".
_ADMIT = """
local now = tonumber(ARGV[1])
local probe_ms = tonumber(ARGV[2])
local out = {}
for i = 1, #KEYS, 2 do
  local state = 'closed'
  local not_before = tonumber(redis.call('GET', KEYS[i + 1]) or '0')
  if not_before > now then
    state = 'wait:' .. (not_before - now)
  else
    local open_until = tonumber(redis.call('HGET', KEYS[i], 'open_until') or '0')
    if open_until > 0 then
      if now < open_until then
        state = 'open'
      elseif tonumber(redis.call('HGET', KEYS[i], 'probe_until') or '0') > now then
        state = 'open'
      else
        redis.call('HSET', KEYS[i], 'probe_until', now + probe_ms)
        state = 'probe'
      end
    end
  end
  out[#out + 1] = state
end
return out
"""

# KEYS: breaker hashes. ARGV: now_ms, threshold, open_ms, window_ms, ttl_ms, then one result
# per key: "1" success, "0" failure. Returns per key the state after recording.
_RECORD = """
local now = tonumber(ARGV[1])
local threshold = tonumber(ARGV[2])
local open_ms = tonumber(ARGV[3])
local window_ms = tonumber(ARGV[4])
local ttl_ms = tonumber(ARGV[5])
local out = {}
for i, key in ipairs(KEYS) do
  local state = 'closed'
  if ARGV[5 + i] == '1' then
    redis.call('DEL', key)
  else
    local open_until = tonumber(redis.call('HGET', key, 'open_until') or '0')
    if open_until > 0 then
      redis.call('HSET', key, 'open_until', now + open_ms, 'probe_until', 0)
      state = 'open'
    else
      local first = tonumber(redis.call('HGET', key, 'first_fail') or '0')
      local fails = 1
      if first > 0 and now - first <= window_ms then
        fails = redis.call('HINCRBY', key, 'fails', 1)
      else
        redis.call('HSET', key, 'fails', 1, 'first_fail', now)
      end
      if fails >= threshold then
        redis.call('HSET', key, 'open_until', now + open_ms, 'probe_until', 0, 'fails', 0)
        state = 'open'
      end
    end
    redis.call('PEXPIRE', key, ttl_ms)
  end
  out[#out + 1] = state
end
return out
"""


class Admission(StrEnum):
    CLOSED = "closed"  # call the bank
    PROBE = "probe"  # call the bank: this call decides whether the breaker closes
    OPEN = "open"  # do not call: the bank has been failing
    WAIT = "wait"  # do not call: the bank asked us to come back later (Retry-After)

    @property
    def may_call(self) -> bool:
        return self in (Admission.CLOSED, Admission.PROBE)


@dataclass(frozen=True)
class Verdict:
    admission: Admission
    wait_seconds: float | None = None


class BankBreakers:
    """Breakers for all banks in one Redis; `threshold` consecutive failures within
    `window_seconds` open a bank for `open_seconds`."""

    def __init__(self, client: redis.Redis, *, threshold: int = 5, open_seconds: float = 30.0,
                 window_seconds: float = 60.0, probe_seconds: float = 5.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.threshold = threshold
        self.open_ms = int(open_seconds * 1000)
        self.window_ms = int(window_seconds * 1000)
        self.probe_ms = int(probe_seconds * 1000)
        self.clock = clock
        self._admit = client.register_script(_ADMIT)
        self._record = client.register_script(_RECORD)

    def _now_ms(self) -> int:
        return int(self.clock() * 1000)

    def admit(self, requests: Mapping[str, tuple[str, str]]) -> dict[str, Verdict]:
        """`requests`: key -> (bank_id, retry-after scope). One round trip for all of them."""
        if not requests:
            return {}
        keys: list[str] = []
        for bank_id, scope in requests.values():
            keys += [PREFIX + bank_id, WAIT_PREFIX + scope]
        answers = self._admit(keys=keys, args=[self._now_ms(), self.probe_ms])
        verdicts = {}
        for key, raw in zip(requests, answers, strict=True):
            text = raw.decode() if isinstance(raw, bytes) else str(raw)
            if text.startswith("wait:"):
                verdicts[key] = Verdict(Admission.WAIT, int(text[5:]) / 1000)
            else:
                verdicts[key] = Verdict(Admission(text))
        return verdicts

    def record(self, results: Mapping[str, bool]) -> dict[str, str]:
        """bank_id -> True (healthy answer) / False (the bank failed). One round trip."""
        if not results:
            return {}
        banks = list(results)
        args = [self._now_ms(), self.threshold, self.open_ms, self.window_ms,
                max(self.open_ms, self.window_ms) * 4]
        args += ["1" if results[b] else "0" for b in banks]
        answers = self._record(keys=[PREFIX + b for b in banks], args=args)
        return {b: (a.decode() if isinstance(a, bytes) else str(a))
                for b, a in zip(banks, answers, strict=True)}

    def defer(self, scope: str, seconds: float) -> None:
        """Honour a bank's Retry-After: no call in this scope before `seconds` from now."""
        seconds = max(0.001, min(float(seconds), 24 * 3600))
        not_before = self._now_ms() + int(seconds * 1000)
        self.client.set(WAIT_PREFIX + scope, not_before, px=int(seconds * 1000))

    def state(self, bank_id: str) -> dict[str, int]:
        raw = self.client.hgetall(PREFIX + bank_id)
        return {(k.decode() if isinstance(k, bytes) else k): int(v) for k, v in raw.items()}

    def reset(self, bank_ids: Iterable[str]) -> None:
        keys = [PREFIX + b for b in bank_ids]
        if keys:
            self.client.delete(*keys)
