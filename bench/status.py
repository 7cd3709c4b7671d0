"""Benchmark: the public status answers — summary, page, Atom feed, availability — and a
conditional request answered 304, each as a share of the ceiling.

    .venv/bin/python bench/status.py [--seconds 10] [--workers CORES+1] [--threads 8]
                                     [--notices 40]

What it runs (loopback only; every process it starts is stopped at the end):
- in this process: a fresh schema, then a realistic set of notices written through the
  status services (open incidents on our APIs and on banks, scheduled maintenance, a history
  of completed and cancelled work with timeline updates) and a few days of measured traffic
  rolled up into the daily figures, as the worker would;
- the ceiling (bench/ceiling.py): a Flask hello-world under the same gunicorn configuration
  (`gunicorn.conf.py`: worker class, hooks; the same workers and threads);
- the service under gunicorn (`wsgi:app`, PostgreSQL + Redis, as in production), then
  `GET /status/v1/summary`, `GET /status/v1/summary` with the `If-None-Match` of its
  current ETag (a TPP polling: 304), `GET /status`, `GET /status/feed.atom` and
  `GET /status/v1/availability`.
Load: wrk (Debian's `/usr/bin/wrk`, `-t2 -c32`, keep-alive), the same for the ceiling and
every phase; wrk's two threads in C take a fraction of the CPU a Python client would. Every
phase runs three times; the median run by throughput is reported, every run's figure beside
it, with the ratio to the ceiling. Prints the figures and writes `bench/results/status.json`.
Rate limiting is off in the server (one client address would be limited), as in the other
benches; PostgreSQL, Redis and wrk share the machine's cores with the service.
Needs `DATABASE_URL` (PostgreSQL) and `REDIS_URL`; defaults: the local servers, database
`test_sspeed` (created if missing, its schema replaced) and Redis db 11 (flushed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import sys

import harness
import wrk

RESULTS = harness.ROOT / "bench" / "results" / "status.json"
CONCURRENCY = 32
SUMMARY = "/status/v1/summary"
PHASES = (("summary", SUMMARY), ("summary_304", SUMMARY), ("page", "/status"),
          ("feed", "/status/feed.atom"), ("availability", "/status/v1/availability"))
TARGET = 0.60  # issue 18: the summary at >= 0.60 of the ceiling


# -- seeding, through the services ------------------------------------------------------------
def seed(settings: dict, notices: int) -> dict:
    """Open incidents, scheduled maintenance and a history, as an operator and the bank
    health monitor would write them; and some measured traffic, rolled up."""
    from core.app import create_app
    from status import measure, service

    app = create_app(settings)
    rt = app.extensions["status"]
    now = rt.now().replace(microsecond=0)
    day, hour = dt.timedelta(days=1), dt.timedelta(hours=1)
    counts = {"open": 0, "scheduled": 0, "history": 0}
    banks = list(rt.known_banks() or ("thamesmoor",))
    with app.app_context():
        session = app.extensions["session_factory"]()
        try:
            for i in range(notices):
                bank = banks[i % len(banks)]
                if i % 10 == 0:  # open incidents
                    notice = service.create_notice(rt, session, service.NoticeInput(
                        "unplanned", f"Errors from {bank}", ("minor", "major")[i % 2],
                        components=("accounts",) if i % 20 == 0 else (), banks=(bank,),
                        body="Balance reads fail for some customers."), actor="bench")
                    service.add_update(rt, session, notice.id, "Cause identified.",
                                       actor="bench")
                    counts["open"] += 1
                elif i % 10 in (1, 2):  # scheduled maintenance, days ahead
                    start = now + (i % 7 + 1) * day
                    service.create_notice(rt, session, service.NoticeInput(
                        "planned", f"Maintenance of {bank}", "critical", banks=(bank,),
                        body="The bank upgrades its interface.", starts_at=start,
                        ends_at=start + 2 * hour), actor="bench")
                    counts["scheduled"] += 1
                else:  # history: incidents of the last weeks, resolved
                    at = now - (i % 25 + 1) * day
                    notice = service.create_notice(rt, session, service.NoticeInput(
                        "unplanned", f"Slow answers from {bank}", "major", banks=(bank,),
                        components=("auth",) if i % 3 == 0 else (),
                        body="Requests took seconds."), actor="bench", now=at)
                    service.add_update(rt, session, notice.id, "Mitigated.", actor="bench")
                    service.change_status(rt, session, notice.id, "completed", actor="bench",
                                          at=at + hour)
                    counts["history"] += 1
            for target in ["api:auth", "api:accounts", "api:payee-checks"] + [
                    f"bank:{b}" for b in banks]:
                for minute in range(0, 3 * 24 * 60, 97):
                    at = now - dt.timedelta(minutes=minute)
                    rt.recorder.record(target, minute % 13 != 0, 20.0 + minute % 200, at)
            rt.recorder.flush()
            measure.rollup(rt.redis, session, now)
        finally:
            session.close()
    return counts


# -- load: wrk ----------------------------------------------------------------------------------
def load(port: int, path: str, seconds: float, headers: dict | None = None,
         server_pid: int | None = None) -> dict:
    """One wrk run: `-t2 -c32`, keep-alive; throughput, latency percentiles, non-2xx/3xx,
    and the server's CPU per request (gunicorn master and workers) when its pid is given."""
    return wrk.run(port, path, seconds, CONCURRENCY, [headers or {}],
                   cpu_of=harness.cpu_seconds if server_pid else None, server_pid=server_pid)


def probe(port: int, path: str, headers: dict | None = None) -> tuple[int, dict, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers or {})
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), len(body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    # the service's own default with Redis configured (gunicorn.conf.py)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--notices", type=int, default=40)
    parser.add_argument("--phases", default=",".join(name for name, _ in PHASES))
    args = parser.parse_args()
    database, redis_url, work = harness.store("status", "test_sspeed", 11)

    from consent.crypto import generate_key_spec

    harness.fresh_store(database, redis_url)
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis_url,
           "ISSUER": "http://localhost", "SIGNING_KEYS_DIR": str(work / "keys"),
           "RATELIMIT_ENABLED": "false", "TOKEN_ENCRYPTION_KEYS": generate_key_spec("bench"),
           "LOG_LEVEL": os.environ.get("BENCH_SERVER_LOG_LEVEL", "WARNING"),
           "SANDBOX_BANKS_ENABLED": "false",
           "PYTHONPATH": str(harness.ROOT)}
    settings = {"DATABASE_URL": database, "REDIS_URL": redis_url, "ISSUER": "http://localhost",
                "SIGNING_KEYS_DIR": env["SIGNING_KEYS_DIR"], "LOG_LEVEL": "WARNING",
                "TOKEN_ENCRYPTION_KEYS": env["TOKEN_ENCRYPTION_KEYS"],
                "RATELIMIT_ENABLED": False, "SANDBOX_BANKS_ENABLED": False}
    counts = seed(settings, args.notices)
    print(f"seeded notices {counts}; load average {os.getloadavg()[0]:.1f} "
          "(other processes share these cores)", flush=True)
    results: dict = {"cpus": os.cpu_count(), "workers": args.workers, "threads": args.threads,
                     "seconds_per_run": args.seconds, "load_generator": f"{wrk.WRK} -t2 "
                     f"-c{CONCURRENCY} keep-alive", "notices": counts,
                     "load_average_at_start": os.getloadavg(), "phases": {}}
    procs = []
    try:
        port = harness.free_port()
        ceiling = harness.gunicorn("bench.ceiling:create_app()", port, env, args.workers,
                                   args.threads, work / "ceiling.log")
        procs.append(ceiling)
        harness.wait_ready(port, harness.CEILING_PATH)
        load(port, harness.CEILING_PATH, 2)  # warm up
        results["ceiling"] = harness.median_run(load, port, harness.CEILING_PATH, args.seconds,
                                                server_pid=ceiling.pid)
        top = results["ceiling"]["throughput_rps"]
        print(f"ceiling (Flask hello-world, same gunicorn, wrk c={CONCURRENCY}): {top:.0f}/s "
              f"(runs {results['ceiling']['runs']})  server CPU "
              f"{results['ceiling']['server_cpu_ms_per_request']} ms/request", flush=True)
        harness.stop(ceiling)
        procs.remove(ceiling)

        port = harness.free_port()
        server = harness.gunicorn("wsgi:app", port, env, args.workers, args.threads,
                                  work / "server.log")
        procs.append(server)
        harness.wait_ready(port, SUMMARY)
        chosen = args.phases.split(",")
        for name, path in PHASES:
            if name not in chosen:
                continue
            headers = {}
            status, sent, size = probe(port, path)
            if name == "summary_304":
                etag = sent.get("ETag")
                if not etag:
                    print(f"{name:13} skipped: no ETag on {path}")
                    continue
                headers = {"If-None-Match": etag}
                status, sent, size = probe(port, path, headers)
            load(port, path, 2, headers)  # warm every worker
            figure = harness.median_run(load, port, path, args.seconds, headers,
                                        server_pid=server.pid)
            figure.update(path=path, status=status, body_bytes=size,
                          cache_control=sent.get("Cache-Control"),
                          ratio_to_ceiling=harness.ratio(figure["throughput_rps"], top))
            results["phases"][name] = figure
            print(f"{name:13} {path:28} {status} {figure['throughput_rps']:7.0f}/s "
                  f"= ratio_to_ceiling {figure['ratio_to_ceiling']:.3f}  "
                  f"(runs {figure['runs']})  p50 {figure['p50_ms']} ms  "
                  f"p99 {figure['p99_ms']} ms  server CPU "
                  f"{figure['server_cpu_ms_per_request']} ms/request  "
                  f"non-2xx/3xx {figure['non_2xx_3xx']}",
                  flush=True)
    finally:
        for proc in procs:
            harness.stop(proc)
    results["load_average_at_end"] = os.getloadavg()
    summary = results["phases"].get("summary", {}).get("ratio_to_ceiling")
    harness.write_results(RESULTS, results, {"summary_ratio_to_ceiling_min": TARGET,
                                             "summary": summary,
                                             "met": summary is not None and summary >= TARGET})
    return 0


if __name__ == "__main__":
    sys.exit(main())
