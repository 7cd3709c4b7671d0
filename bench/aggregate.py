"""Benchmark: `GET /balances` across N sandbox banks, cold and cached.

    .venv/bin/python bench/aggregate.py [--latency-ms 100] [--seconds 8] [--latency-seconds 20]
                                        [--banks 1,3,10,20]

What it runs (loopback only; every process it starts is stopped at the end):
- P sandbox bank processes (gunicorn, one worker each: a sandbox keeps its state in memory),
  each an OB v4.0 bank served over HTTPS from a sandbox CA made under the run's folder (the
  service trusts it through `BANKS_CA_FILE`; connections kept alive), with added latency L
  on every call, with threads enough for every call the cold phase can have in flight (16
  clients x 20 banks over P processes), so a call waits at the fake bank only for its
  latency, never for a free thread;
- the service under gunicorn (PostgreSQL + Redis, as in production), with a bank registry of
  20 entries spread over the sandbox processes;
- in this process: a TPP (mTLS-bound tokens), the PSU `alice`, and for each N a few consents
  authorised at N banks through the real consent flow and each bank's own OAuth pages.

Then, per N: cold (the server's cache freshness set to 0, so every read calls every bank) and
cached (fresh for an hour): p50/p99 latency of one client calling in a loop, and throughput
with 16 (cold) or 32 (cached) clients, printed and written to `bench/results/aggregate.json`
(with each phase's three slowest requests and when they came, to tell a warm-up from a stall).
Every phase runs three times and the median run is reported (by p99 for one client, by
throughput for many), with the ratio of throughput to the ceiling (bench/ceiling.py): a Flask
hello-world under the same gunicorn configuration, loaded the same way in the same run.
Throughput (and the ceiling) comes from wrk (Debian's `/usr/bin/wrk`, `-t2`, keep-alive; a
Lua script sends each consent's token in turn; bench/wrk.py): two threads in C, a fraction of
the CPU a Python client takes from the service it measures. The one-client latency phase, which
also reads back each bank's status, comes from one process: a selector over a keep-alive socket
sending pre-encoded requests (bench/aggregate_load.py), every sample one real request's
latency, first byte sent to last byte read.
The sandbox banks, PostgreSQL, Redis and the load generator share the machine's cores with
the service, as they would not in production.
Needs `DATABASE_URL` (PostgreSQL) and `REDIS_URL`; defaults: the local CI servers, databases
`bench_agg` (created if missing) and Redis db 7. `BENCH_SERVER_LOG_LEVEL=INFO` keeps the
service's request log (one line per request, bank calls, retried calls) under
`bench/results/aggregate-run/`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import harness
import wrk
from aggregate_apps import BANK_SECRET, sandbox_tls
from aggregate_load import BALANCES, load
from aggregate_setup import authorise_consents, fresh_headers

RESULTS = harness.ROOT / "bench" / "results" / "aggregate.json"
SANDBOX_PROCESSES = 4
SANDBOX_THREADS = 128  # >= 16 cold clients x 20 banks / 4 processes, with room


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=8.0,
                        help="length of each throughput phase")
    parser.add_argument("--latency-seconds", type=float, default=20.0,
                        help="length of each one-client latency phase: at ~8 cold reads a "
                             "second, 20 s gives ~160 samples, so p99 is not just the maximum")
    parser.add_argument("--banks", default="1,3,10,20")
    # the service's own default with Redis configured (gunicorn.conf.py)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--modes", default="cold,cached")
    args = parser.parse_args()
    modes = [m for m in (("cold", "0"), ("cached", "3600")) if m[0] in args.modes.split(",")]
    ns = [int(n) for n in args.banks.split(",")]
    database, redis_url, work = harness.store("aggregate", "bench_agg", 7)

    from consent.crypto import generate_key_spec
    from tests.conftest import empty_tables

    harness.fresh_store(database, redis_url)

    sandbox_ports = [harness.free_port() for _ in range(SANDBOX_PROCESSES)]
    tls_env, ca_file = sandbox_tls(work / "sandbox-ca")
    max_n = max(ns)
    banks = [{"id": f"bench{i:02d}", "name": f"Bench Bank {i}", "standard": "ob-uk-4.0",
              "country": "GB",
              "auth_url": f"https://127.0.0.1:{p}/sandbox/thamesmoor/oauth/authorize",
              "token_url": f"https://127.0.0.1:{p}/sandbox/thamesmoor/oauth/token",
              "api_url": f"https://127.0.0.1:{p}/sandbox/thamesmoor/open-banking/v4.0/aisp",
              "client": {"client_id": "obhub-bench", "auth_method": "client_secret_basic",
                         "secret_ref": "env:BENCH_BANK_SECRET"}}
             for i, p in ((i, sandbox_ports[i % SANDBOX_PROCESSES]) for i in range(max_n))]
    banks_file = work / "banks.json"
    banks_file.write_text(json.dumps({"banks": banks}, indent=1))
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis_url,
           "BANKS_FILE": str(banks_file), "BANKS_CA_FILE": ca_file,
           "BENCH_BANK_SECRET": BANK_SECRET,
           "BENCH_LATENCY_MS": str(args.latency_ms), "ISSUER": "http://localhost",
           "SIGNING_KEYS_DIR": str(work / "keys"), "RATELIMIT_ENABLED": "false",
           "TOKEN_ENCRYPTION_KEYS": generate_key_spec("bench"),
           "LOG_LEVEL": os.environ.get("BENCH_SERVER_LOG_LEVEL", "WARNING"),
           "SANDBOX_BANKS_ENABLED": "false", "PYTHONPATH": str(harness.ROOT)}
    os.environ.update({k: env[k] for k in ("BANKS_FILE", "BENCH_BANK_SECRET")})
    settings = {k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "ISSUER", "SIGNING_KEYS_DIR",
                                    "TOKEN_ENCRYPTION_KEYS", "LOG_LEVEL", "BANKS_CA_FILE")}
    settings.update(RATELIMIT_ENABLED=False, SANDBOX_BANKS_ENABLED=False, BANKS_FILE=str(
        banks_file))

    procs: list[subprocess.Popen] = []
    results: dict = {"latency_ms": args.latency_ms, "cpus": os.cpu_count(),
                     "load_average_at_start": os.getloadavg(),
                     "workers": args.workers, "seconds_per_run": args.seconds,
                     "latency_seconds_per_run": args.latency_seconds, "runs": []}
    try:
        for i, port in enumerate(sandbox_ports):
            procs.append(harness.gunicorn("bench.aggregate_apps:sandbox_app()", port,
                                          {**env, **tls_env}, 1, SANDBOX_THREADS,
                                          work / f"sandbox{i}.log"))
        print(f"sandbox banks (HTTPS) on ports {sandbox_ports}, latency {args.latency_ms} ms; "
              f"load average {os.getloadavg()[0]:.1f} (other processes share these cores)")
        started = time.perf_counter()
        tpp, grants = authorise_consents(settings, {n: [b["id"] for b in banks[:n]]
                                                    for n in ns})
        print(f"{sum(len(g) for g in grants.values())} consents authorised in "
              f"{time.perf_counter() - started:.1f} s")
        port = harness.free_port()
        ceiling = harness.gunicorn("bench.ceiling:create_app()", port, env, args.workers, 8,
                                   work / "ceiling.log")
        procs.append(ceiling)
        harness.wait_ready(port, harness.CEILING_PATH)
        wrk.run(port, harness.CEILING_PATH, 2.0, 32)  # warm up
        results["ceiling"] = harness.median_run(wrk.run, port, harness.CEILING_PATH,
                                                args.seconds, 32, cpu_of=harness.cpu_seconds,
                                                server_pid=ceiling.pid)
        harness.stop(ceiling)
        procs.remove(ceiling)
        top = results["ceiling"]["throughput_rps"]
        print(f"ceiling (Flask hello-world, same gunicorn, c=32): {top:.0f}/s "
              f"(runs {results['ceiling']['runs']})", flush=True)
        for mode, fresh in modes:
            port = harness.free_port()
            server = harness.gunicorn("bench.aggregate_apps:server_app()", port,
                                      {**env, "AGGREGATION_CACHE_SECONDS": fresh}, args.workers, 8,
                                      work / f"server-{mode}.log")
            procs.append(server)
            harness.wait_ready(port, "/healthz")
            try:
                for n in ns:
                    headers = fresh_headers(tpp, grants[n])
                    # warm every worker (imports, pools, scripts, token checks): workers
                    # take connections as they come, and 8 kept-alive ones left one
                    # worker cold, so each phase's first request paid its start-up
                    wrk.run(port, BALANCES, 2.0, 32, headers)
                    # ...then let the burst settle: 32 cold clients leave the sandbox banks
                    # and the server's background work busy for a moment, and the first
                    # measured request paid for it (a 400 ms outlier that was the p99)
                    time.sleep(1.5)
                    latency = harness.median_run(load, port, headers, 1, args.latency_seconds,
                                                 server.pid, key="p99_ms")
                    throughput = harness.median_run(wrk.run, port, BALANCES, args.seconds,
                                                    32 if mode == "cached" else 16, headers,
                                                    cpu_of=harness.cpu_seconds,
                                                    server_pid=server.pid)
                    throughput["ratio_to_ceiling"] = harness.ratio(
                        throughput["throughput_rps"], top)
                    run = {"mode": mode, "banks": n, "latency": latency,
                           "throughput": throughput,
                           "load_average": [round(x, 2) for x in os.getloadavg()]}
                    results["runs"].append(run)
                    print(f"{mode:6} N={n:2}  p50 {latency['p50_ms']:6.1f} ms  "
                          f"p99 {latency['p99_ms']:6.1f} ms  (c={latency['concurrency']}, "
                          f"{latency['throughput_rps']:.0f}/s)   "
                          f"c={throughput['concurrency']}: {throughput['throughput_rps']:.0f}/s"
                          f" = {throughput['ratio_to_ceiling']:.3f} of the ceiling"
                          f" p50 {throughput['p50_ms']:.1f} p99 {throughput['p99_ms']:.1f} ms"
                          f"  non-200 {latency['non_200'] + throughput['non_2xx_3xx']}"
                          f"  {latency['bank_statuses']}  load {run['load_average'][0]:.1f}"
                          f"  cpu/req server {throughput['server_cpu_ms_per_request']} ms"
                          f" client {throughput['load_generator_cpu_ms_per_request']} ms",
                          flush=True)
            finally:
                harness.stop(server)
                procs.remove(server)
    finally:
        for proc in procs:
            harness.stop(proc)
        if database.startswith("postgresql"):
            from sqlalchemy import create_engine

            engine = create_engine(database)
            empty_tables(engine)
            engine.dispose()
    results["load_average_at_end"] = os.getloadavg()
    target = args.latency_ms + 60
    harness.write_results(RESULTS, results, {
        "cached_ratio_to_ceiling": {r["banks"]: r["throughput"]["ratio_to_ceiling"]
                                    for r in results["runs"] if r["mode"] == "cached"},
        "p99_ms_max": target,
        "p99_met": all(r["latency"]["p99_ms"] <= target for r in results["runs"]),
        "cached_rps_min": 800,
        "cached_rps_met": all(r["throughput"]["throughput_rps"] >= 800
                              for r in results["runs"] if r["mode"] == "cached"),
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
