"""The soak and the restore drill, on a PostgreSQL cluster and a Redis server of its own
(private.py), never the shared ones: steady mixed traffic through nginx while instance A is
restarted (SIGTERM, then started again), then B, then A is reloaded in place (SIGHUP), then
Redis is restarted empty, a backup is taken, and PostgreSQL is restarted.

Nothing may be lost: every request is answered, and 2xx unless it is a 503 with Retry-After
while Redis or PostgreSQL is away; every acknowledged consent and payee-check audit row is in
the database afterwards; within 5 s of each restart every request succeeds again. The backup,
taken under that traffic, is restored into a new database, an instance starts on it, the
consent audit chain verifies and every consent acknowledged before the backup began is there.
The figures are printed (run with -s to see them).

Opt-in with RUN_SOAK_TESTS=1 (about three minutes; SOAK_PHASE_SECONDS sets the steady phase
between events, 12 s by default).
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections import Counter

import pytest
from sqlalchemy import create_engine, text

from core import cli
from tests.consent.live import free_port
from tests.topology.load import Load
from tests.topology.private import PrivatePostgres, PrivateRedis
from tests.topology.stack import Instance, answers, running, skip_unless_opted_in, wait_for

SETTINGS = {"COP_RATE_LIMIT": "1000000/hour", "COP_DISCLOSURE_LIMIT": "1000000/hour",
            "ACCESS_TOKEN_LIFETIME": "600"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
PHASE = float(os.environ.get("SOAK_PHASE_SECONDS", "12"))
RECOVERY_SECONDS = 5.0


@pytest.fixture(scope="module")
def soak(tmp_path_factory):
    skip_unless_opted_in("RUN_SOAK_TESTS", "about three minutes, with its own PostgreSQL "
                         "and Redis")
    postgres, redis_server = PrivatePostgres(), PrivateRedis()
    try:
        postgres.init()
        postgres.client("createdb", "test_soak")
        cli.upgrade(postgres.url("test_soak"))
        redis_server.start()
        with running(tmp_path_factory.mktemp("soak"), postgres.url("test_soak"),
                     redis_server.url, SETTINGS) as top:
            yield top, postgres, redis_server
    finally:
        redis_server.stop()
        postgres.remove()


def _reload(top, instance: Instance) -> None:
    """SIGHUP, drained first: gunicorn starts new workers and retires the old ones."""
    top.drain(instance)
    os.kill(instance.process.pid, signal.SIGHUP)
    time.sleep(3)
    wait_for(lambda: answers(f"{instance.url}/readyz"), 30, f"{instance.name} did not reload")
    top.drain()


def _count(engine, sql: str, **params) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_soak_with_rolling_restarts_and_a_restore_drill(soak, capsys):
    top, postgres, redis_server = soak
    a, b = top.instances
    load = Load(top)
    load.start()
    events: list[tuple[str, float, float]] = []  # name, began, ended
    backup: dict = {}

    def event(name: str, action) -> None:
        began = time.monotonic()
        action()
        events.append((name, began, time.monotonic()))
        time.sleep(PHASE)

    def backup_under_traffic() -> None:
        dump = postgres.root / "soak.pgc"
        backup["began"] = time.monotonic()
        postgres.client("pg_dump", "--format=custom", f"--file={dump}", "test_soak")
        backup["dump_seconds"] = time.monotonic() - backup["began"]
        backup["size"] = dump.stat().st_size
        postgres.client("createdb", "test_soak_restored")
        started = time.monotonic()
        postgres.client("pg_restore", "--no-owner", "-d", "test_soak_restored", str(dump))
        backup["restore_seconds"] = time.monotonic() - started

    try:
        time.sleep(PHASE)
        baseline = (events.append(("baseline", time.monotonic() - PHASE, time.monotonic()))
                    or len([x for x in load.between(events[0][1], events[0][2])
                            if 200 <= x.status < 300]) / PHASE)
        event("restart A (drain, SIGTERM, start)", lambda: top.restart(a))
        event("restart B (drain, SIGTERM, start)", lambda: top.restart(b))
        event("reload A (drain, SIGHUP)", lambda: _reload(top, a))
        event("restart Redis (empty)", redis_server.restart)
        event("backup under traffic", backup_under_traffic)
        event("restart PostgreSQL", postgres.restart)
    finally:
        load.stop()

    report = [f"baseline: {baseline:.1f} successful requests/s through nginx"]
    bad, outage_503, slow = [], 0, []
    for index, (name, began, ended) in enumerate(events[1:], start=1):
        until = events[index + 1][1] if index + 1 < len(events) else load.answers[-1].at + 1
        window = load.between(began, until)
        failed = [x for x in window if not 200 <= x.status < 300]
        last_failure = max((x.done for x in failed), default=ended)
        recovery = max(0.0, last_failure - ended)
        later = [x for x in window if x.at >= ended + RECOVERY_SECONDS]
        rate = len([x for x in later if 200 <= x.status < 300]) / max(
            1e-9, until - ended - RECOVERY_SECONDS)
        outage = "Redis" in name or "PostgreSQL" in name
        for x in failed:
            if outage and x.status == 503 and x.retry_after:
                outage_503 += 1
            else:
                bad.append((name, x))
        report.append(f"{name}: took {ended - began:.1f} s; {len(failed)} non-2xx "
                      f"({', '.join(sorted({str(x.status) for x in failed})) or '-'}); "
                      f"all answers 2xx again {recovery:.1f} s after it; then "
                      f"{rate:.1f} successful requests/s")
        kinds = Counter((x.op, x.status, UUID.sub("…", x.detail)[:160]) for x in failed)
        report += [f"    {n} × {op} {status} {detail}" for (op, status, detail), n
                   in kinds.most_common(4)]
        slow += [report[-1 - min(4, len(kinds))]] if (
            recovery > RECOVERY_SECONDS or rate < 0.8 * baseline) else []

    engine = create_engine(postgres.url("test_soak"))
    restored = create_engine(postgres.url("test_soak_restored"))
    try:
        acknowledged = list(load.consents)
        present = _count(engine, "SELECT count(*) FROM consents WHERE id = ANY(:ids)",
                         ids=acknowledged)
        audited = _count(engine, "SELECT count(*) FROM cop_check_audit")
        before_backup = [cid for cid, when in load.consents.items() if when < backup["began"]]
        in_backup = _count(restored, "SELECT count(*) FROM consents WHERE id = ANY(:ids)",
                           ids=before_backup)
    finally:
        engine.dispose()
        restored.dispose()
    top.flask("audit", "verify")
    instance = Instance("R", free_port(), {**top.env, "DATABASE_URL":
                                           postgres.url("test_soak_restored")})
    instance.start()
    try:
        ready = answers(f"{instance.url}/readyz")
        verified = top.flask("audit", "verify",
                             env={"DATABASE_URL": postgres.url("test_soak_restored")})
    finally:
        instance.stop()

    report += [
        f"requests: {len(load.answers)}; 503 with Retry-After during Redis/PostgreSQL "
        f"restarts: {outage_503}; other non-2xx or unanswered: {len(bad)}",
        f"consents acknowledged: {len(acknowledged)}, in the database: {present}",
        f"payee checks acknowledged: {load.checks_acknowledged}, audit rows: {audited}",
        f"backup: pg_dump {backup['dump_seconds']:.2f} s ({backup['size'] / 1024:.0f} KiB) "
        f"under traffic; restore {backup['restore_seconds']:.2f} s; consents acknowledged "
        f"before it began: {len(before_backup)}, restored: {in_backup}; instance on the "
        f"restored database ready: {ready}; audit verify: {verified.strip().splitlines()[-1]}",
    ]
    with capsys.disabled():
        print("\nsoak figures:\n  " + "\n  ".join(report))
    assert not slow, slow
    assert present == len(acknowledged)
    assert audited >= load.checks_acknowledged
    assert in_backup == len(before_backup)
    assert ready
    assert not bad, [(name, x) for name, x in bad[:10]]
