"""A bank's outage, declared and ended from connector call outcomes (PSD2 RTS Art. 33: five
consecutive failed requests within 30 seconds), with no operator involved.

The streak of failures lives in Redis and one Lua script decides a transition, so across all
workers exactly one caller sees "down" (or "up") and records it: an unplanned, critical,
`automatic` notice for the bank and `bank.unavailable` / `bank.recovered` webhooks. The
notice in the database is the durable truth; if Redis lost its state, the first call after
consults it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time

from sqlalchemy import select

from core.db import unit_of_work
from status import outbox
from status.domain import NoticeStatus, iso
from status.lifecycle import NoticeInput, add_notice, apply_status
from status.models import Notice, NoticeTarget
from status.runtime import StatusRuntime

log = logging.getLogger("status.bankhealth")

# KEYS[1] state hash, KEYS[2] list of the current failure streak's times (ms).
# ARGV: ok (1/0), now_ms, window_ms, threshold. Returns down | up | unknown | steady.
SCRIPT = """
local down = redis.call('HGET', KEYS[1], 'down')
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[2])
  if down == '1' then redis.call('HSET', KEYS[1], 'down', '0'); return 'up' end
  if not down then redis.call('HSET', KEYS[1], 'down', '0'); return 'unknown' end
  return 'steady'
end
local threshold = tonumber(ARGV[4])
redis.call('RPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], -threshold, -1)
redis.call('PEXPIRE', KEYS[2], 86400000)
if down == '1' then return 'steady' end
if redis.call('LLEN', KEYS[2]) >= threshold then
  local first = tonumber(redis.call('LINDEX', KEYS[2], 0))
  if tonumber(ARGV[2]) - first <= tonumber(ARGV[3]) then
    redis.call('HSET', KEYS[1], 'down', '1', 'since', ARGV[2])
    return 'down'
  end
end
return 'steady'
"""
AUTHOR = "automatic monitoring"
# The notice is written synchronously when it can be; a caller holding a SQLite write lock
# would deadlock us, so after this long the write finishes in the background instead.
WRITE_WAIT_SECONDS = 2.0


def record_call(rt: StatusRuntime, bank_id: str, ok: bool, latency_ms: float,
                at: dt.datetime | None = None) -> str | None:
    return record_calls(rt, [(bank_id, ok, latency_ms)], at)[0]


def record_calls(rt: StatusRuntime, calls: list[tuple[str, bool, float]],
                 at: dt.datetime | None = None) -> list[str | None]:
    """The outcomes of one read's bank calls, judged in one Redis round trip (one script call
    per bank, pipelined); a verdict per call, None where it could not be recorded."""
    at = at or rt.now()
    try:
        for bank_id, ok, latency_ms in calls:
            rt.recorder.record(f"bank:{bank_id}", ok, latency_ms, at)
        verdicts: list[str | None] = _judge(rt, calls, at)
    except Exception:  # noqa: BLE001 - a status hiccup must never fail a balance read
        log.warning("bank calls not recorded", extra={"banks": [c[0] for c in calls]},
                    exc_info=True)
        return [None] * len(calls)
    writers = [threading.Thread(target=_write, args=(rt, bank_id, verdict, at), daemon=True,
                                name=f"status-bank-{bank_id}")
               for (bank_id, ok, _), verdict in zip(calls, verdicts, strict=True)
               if verdict in ("down", "up") or (verdict == "unknown" and ok)]
    for writer in writers:
        writer.start()
    # one wait for all of them: banks that change state together (a shared outage) are
    # written side by side, not each after the last one's wait
    until = time.monotonic() + WRITE_WAIT_SECONDS
    for writer in writers:
        writer.join(max(0.0, until - time.monotonic()))
    return verdicts


def _judge(rt: StatusRuntime, calls: list[tuple[str, bool, float]], at: dt.datetime) -> list:
    s = rt.settings
    pipe = rt.redis.pipeline(transaction=False)
    for bank_id, ok, _ in calls:
        # EVAL, not EVALSHA through a registered script: in a pipeline, redis-py would first
        # ask SCRIPT EXISTS in a round trip of its own. The server caches the compiled script.
        pipe.eval(SCRIPT, 2, f"status:bank:{bank_id}", f"status:bank:{bank_id}:fails",
                  "1" if ok else "0", int(at.timestamp() * 1000),
                  int(s.outage_window * 1000), s.outage_failures)
    return [r.decode() if isinstance(r, bytes) else str(r) for r in pipe.execute()]


def _write(rt: StatusRuntime, bank_id: str, verdict: str, at: dt.datetime) -> None:
    try:
        with rt.session_factory() as session:
            if verdict == "down":
                declare_outage(rt, session, bank_id, at)
            else:  # up, or Redis had forgotten: end any outage the database still shows
                end_outage(rt, session, bank_id, at)
    except Exception:  # noqa: BLE001
        if verdict == "down":  # let the next failure try again
            rt.redis.hset(f"status:bank:{bank_id}", "down", "0")
        log.exception("bank outage transition not recorded", extra={"bank_id": bank_id})


def _open_outage(session, bank_id: str) -> Notice | None:
    return session.scalars(select(Notice).join(NoticeTarget).where(
        NoticeTarget.kind == "bank", NoticeTarget.ref == bank_id, Notice.source == "automatic",
        Notice.status == "in_progress").with_for_update()).first()


def _bank(rt: StatusRuntime, bank_id: str) -> dict[str, str]:
    names = rt.known_banks() or {}
    return {"id": bank_id, "name": names.get(bank_id, bank_id)}


def declare_outage(rt: StatusRuntime, session, bank_id: str, at: dt.datetime) -> Notice | None:
    """The notice and both webhooks (`notice.started`, `bank.unavailable`) in one commit."""
    s = rt.settings
    bank = _bank(rt, bank_id)
    with unit_of_work(session):
        if _open_outage(session, bank_id) is not None:
            return None
        notice = add_notice(rt, session, NoticeInput(
            kind="unplanned", severity="critical", banks=(bank_id,), starts_at=at,
            title=f"{bank['name']} is unavailable",
            body=(f"{s.outage_failures} consecutive requests to {bank['name']} failed within "
                  f"{s.outage_window:g} seconds (PSD2 RTS Art. 33). Reads from this bank are "
                  "served from cache where we have it. We keep trying and post here when it "
                  "answers.")), actor=AUTHOR, source="automatic", now=at)
        outbox.emit(session, "bank.unavailable", {"bank": bank, "since": iso(at),
                                                  "notice_id": notice.id}, at)
    return notice


def end_outage(rt: StatusRuntime, session, bank_id: str, at: dt.datetime) -> Notice | None:
    with unit_of_work(session):
        notice = _open_outage(session, bank_id)
        if notice is None:
            return None
        since = notice.starts_at
        apply_status(rt, session, notice, NoticeStatus.COMPLETED, at, AUTHOR,
                     "The bank answers again; service has recovered.", at)
        outbox.emit(session, "bank.recovered", {
            "bank": _bank(rt, bank_id), "since": iso(since), "recovered_at": iso(at),
            "duration_seconds": round((at - since).total_seconds(), 3),
            "notice_id": notice.id}, at)
    return notice
