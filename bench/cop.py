"""Benchmark: payee checks — the matcher alone, a 10,000-payee batch, single checks over HTTP.

    .venv/bin/python bench/cop.py [--seconds 10] [--rate 500] [--workers CORES+1] [--threads 8]
                                  [--accounts 100000] [--sql-seed] [--reuse-directory]
                                  [--port FREE] [--wrk-threads 2] [--skip-job]

What it runs (loopback only; every process it starts is stopped at the end):
- in this process: the matcher over the labelled corpora and over synthetic pairs
  (decisions/s); a directory of N synthetic accounts; a TPP with role COP and
  certificate-bound (mTLS) tokens; a 10,000-payee batch through the service layer;
- the service under gunicorn (PostgreSQL + Redis, as in production), then:
  single UK checks at a fixed rate (open loop: latency counted from each request's scheduled
  send time, so a stall is not hidden; bench/cop_load.py, one Python process), single checks
  closed-loop for throughput (wrk, bench/cop_wrk.py: a C generator that leaves the cores to
  the service), a 10,000-payee batch over HTTP, and a 100,000-payee job from submission to
  result.
Beside them, the ceiling (bench/ceiling.py): a Flask hello-world under the same gunicorn
configuration, loaded by wrk at the same concurrency, in the same run. Each HTTP phase runs
three times; the median run is reported (by throughput, or by p99 at the fixed rate) with
every run's figure and the ratio to the ceiling.
Prints the figures and writes `bench/results/cop.json`. The load generator, PostgreSQL and
Redis share the machine's cores with the service, as they would not in production.
Needs `DATABASE_URL` (PostgreSQL) and `REDIS_URL`; defaults: the local servers, database
`bench_cop` (created if missing) and Redis db 6.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time

import cop_wrk
import harness
from cop_load import bench_bulk_http, bench_bulk_job, load
from cop_setup import batch, entered, holder_name, seed, seed_in_sql

RESULTS = harness.ROOT / "bench" / "results" / "cop.json"
SCOPE = "payee-checks"


# -- phase 1: the matcher alone ---------------------------------------------------------------
def bench_matcher() -> dict:
    from cop.evaluation import parse_case
    from cop.matching import Holder, clear_caches, decide

    cases = []
    for name in ("corpus.jsonl", "holdout.jsonl"):
        with open(harness.ROOT / "tests" / "cop" / name, encoding="utf-8") as fh:
            cases += [parse_case(json.loads(line)) for line in fh if line.strip()]
    clear_caches()
    rng = random.Random(7)
    pairs = []
    for i in range(20_000):
        _, typed = entered(i, rng)
        pairs.append((typed, Holder((holder_name(i),), "personal")))
    started, cpu = time.perf_counter(), time.process_time()
    for typed, holder in pairs:
        decide(typed, holder, "personal")
    synthetic = len(pairs) / (time.perf_counter() - started)
    synthetic_cpu = len(pairs) / (time.process_time() - cpu)
    started, cpu, runs = time.perf_counter(), time.process_time(), 0
    while time.perf_counter() - started < 2.0:
        for case in cases:
            decide(case.entered_name, case.holder, case.entered_type)
        runs += 1
    corpus = runs * len(cases) / (time.perf_counter() - started)
    corpus_cpu = runs * len(cases) / (time.process_time() - cpu)
    return {"synthetic_pairs_first_seen_per_s": round(synthetic),
            "synthetic_pairs_first_seen_per_cpu_s": round(synthetic_cpu),
            "corpus_cases_repeated_per_s": round(corpus),
            "corpus_cases_repeated_per_cpu_s": round(corpus_cpu), "corpus_cases": len(cases)}


def bench_bulk_service(app, accounts: int) -> dict:
    from cop import bulk, service

    timings, cpu_times = [], []
    for run in range(3):
        items = batch(10_000, run, accounts)
        started, cpu = time.perf_counter(), time.process_time()
        checks, problems = bulk.batch_items(items, "UK")
        assert not problems
        with app.extensions["session_factory"]() as session:
            reports = service.check_payees(session, "bench", service.UK, checks,
                                           app.extensions["cop"])
        timings.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu)
        assert len(reports) == len(items)
    return {"items": 10_000, "seconds": [round(t, 3) for t in timings],
            "python_cpu_seconds": [round(t, 3) for t in cpu_times],
            "payees_per_s_best": round(10_000 / min(timings))}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--concurrency", type=int, default=32)
    # the service's own defaults with Redis configured (gunicorn.conf.py)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--sql-seed", action="store_true",
                        help="generate the directory inside PostgreSQL (for --accounts "
                             "10000000) instead of through the import path")
    parser.add_argument("--port", type=int, default=0,
                        help="the service listens here and the ceiling on the next port "
                             "(default: free ports)")
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--skip-job", action="store_true",
                        help="leave out the 100,000-payee job (submitted to result)")
    parser.add_argument("--reuse-directory", action="store_true",
                        help="keep the database seeded by an earlier run with the same "
                             "--accounts (skips the reset and the seeding)")
    args = parser.parse_args()
    database, redis_url, work = harness.store("cop", "bench_cop", 6)

    results: dict = {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(),
                     "workers": args.workers, "threads": args.threads,
                     "accounts": args.accounts}
    results["matcher"] = bench_matcher()
    print(f"matcher: {results['matcher']}", flush=True)

    from core.app import create_app
    from tests.fixtures import auth as fx

    harness.fresh_store(database, redis_url, reset=not args.reuse_directory)
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis_url,
           "ISSUER": "http://localhost", "SIGNING_KEYS_DIR": str(work / "keys"),
           "LOG_LEVEL": "WARNING", "SANDBOX_BANKS_ENABLED": "false",
           "PYTHONPATH": str(harness.ROOT),
           "AUDIT_HASH_KEY": "bench-audit-key", "COP_RATE_LIMIT": "100000000/minute",
           "COP_BULK_RATE_LIMIT": "100000/minute", "COP_DISCLOSURE_LIMIT": "100000000/hour"}
    for key in ("COP_RATE_LIMIT", "COP_BULK_RATE_LIMIT", "COP_DISCLOSURE_LIMIT"):
        os.environ[key] = env[key]
    settings = {k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "ISSUER", "SIGNING_KEYS_DIR",
                                    "LOG_LEVEL", "AUDIT_HASH_KEY")}
    settings["SANDBOX_BANKS_ENABLED"] = False
    app = create_app(settings)
    started = time.perf_counter()
    if not args.reuse_directory:
        (seed_in_sql if args.sql_seed else seed)(app, args.accounts)
    results["seed_seconds"] = round(time.perf_counter() - started, 1)
    print(f"seeded {args.accounts} accounts in {results['seed_seconds']} s", flush=True)
    results["bulk_service"] = bench_bulk_service(app, args.accounts)
    print(f"bulk (service layer): {results['bulk_service']}", flush=True)

    tpp = fx.make_tpp._get_wrapped_function()(app)(roles=("COP",), name="Bench Payments",
                                                    binding="mtls")
    rng = random.Random(11)
    bodies = []
    for _ in range(5000):
        ident, typed = entered(rng.randrange(args.accounts), rng)
        bodies.append(json.dumps({"Data": {"SchemeName": "SortCodeAccountNumber",
                                           "AccountType": "Personal", "Identification": ident,
                                           "Name": typed}}))
    if not cop_wrk.available():
        raise SystemExit("error: wrk is not installed; install it with `apt-get install -y wrk`")
    ports = (args.port, args.port + 1) if args.port else (harness.free_port(), harness.free_port())

    def closed_loop(port: int, lua, server_pid: int | None = None) -> dict:
        cpu = harness.cpu_seconds(server_pid) if server_pid else 0.0
        run = cop_wrk.run(port, lua, seconds=args.seconds, connections=args.concurrency,
                          threads=args.wrk_threads)
        if server_pid:
            used = harness.cpu_seconds(server_pid) - cpu
            run["server_cpu_ms_per_request"] = round(used * 1000 / max(1, run["requests"]), 2)
        return run

    port = ports[1]
    ceiling = harness.gunicorn("bench.ceiling:create_app()", port, env, args.workers, args.threads,
                               work / "ceiling.log")
    try:
        harness.wait_ready(port, harness.CEILING_PATH)
        lua = cop_wrk.script(work / "ceiling.lua", "GET", harness.CEILING_PATH, {}, None)
        cop_wrk.run(port, lua, seconds=2, connections=16, threads=args.wrk_threads)  # warm up
        results["ceiling"] = harness.median_run(closed_loop, port, lua)
        print(f"ceiling (Flask hello-world, same gunicorn, wrk c={args.concurrency}): "
              f"{results['ceiling']['throughput_rps']}/s (runs {results['ceiling']['runs']})",
              flush=True)
    finally:
        harness.stop(ceiling)
    port = ports[0]
    server = harness.gunicorn("wsgi:app", port, env, args.workers, args.threads,
                              work / "server.log")
    try:
        harness.wait_ready(port, "/healthz")

        def fresh_headers() -> dict:
            """A new token for each phase: on a busy machine the whole run outlasts one."""
            return {"Authorization": f"Bearer {tpp.token(SCOPE)}",
                    "Content-Type": "application/json", **tpp.cert_headers()}

        headers = fresh_headers()
        load(port, headers, bodies, rate=None, seconds=3, concurrency=16)  # warm up
        # open loop at a fixed rate: the Python generator, which schedules each request
        def fixed_rate() -> dict:
            headers = fresh_headers()
            cpu = harness.cpu_seconds(server.pid)
            run = load(port, headers, bodies, rate=args.rate, seconds=args.seconds,
                       concurrency=64)
            used = harness.cpu_seconds(server.pid) - cpu
            run["server_cpu_ms_per_request"] = round(used * 1000 / max(1, run["requests"]), 2)
            return run

        results["single_fixed_rate"] = harness.median_run(fixed_rate, key="p99_ms")
        print(f"single checks: {results['single_fixed_rate']}", flush=True)
        # closed loop for throughput: wrk, as the ceiling was measured
        lua = cop_wrk.script(work / "checks.lua", "POST", "/cop/v1/name-verifications",
                             fresh_headers(), bodies)
        results["single_max"] = harness.median_run(closed_loop, port, lua, server.pid)
        results["single_max"]["ratio_to_ceiling"] = harness.ratio(
            results["single_max"]["throughput_rps"], results["ceiling"]["throughput_rps"])
        print(f"single checks: {results['single_max']}", flush=True)
        results["bulk_http"] = bench_bulk_http(port, fresh_headers(), args.accounts)
        print(f"bulk (HTTP): {results['bulk_http']}", flush=True)
        if not args.skip_job:
            results["bulk_job"] = bench_bulk_job(port, fresh_headers, args.accounts)
            print(f"bulk job (HTTP, submitted to result): {results['bulk_job']}", flush=True)
    finally:
        harness.stop(server)
    results["load_average_at_end"] = os.getloadavg()
    cpu_ms = results["single_max"]["server_cpu_ms_per_request"]
    results["single_capacity_rps_on_2_dedicated_cores"] = round(2000 / cpu_ms) if cpu_ms else None
    harness.write_results(RESULTS, results, {
        "single_ratio_to_ceiling": results["single_max"]["ratio_to_ceiling"],
        "single_ratio_min": 0.25,
        "single_ratio_met": results["single_max"]["ratio_to_ceiling"] >= 0.25,
        "p99_ms_at_rate_max": 25,
        "p99_met_in_every_run": all(p99 <= 25 for p99 in results["single_fixed_rate"]["runs"]),
        "bulk_seconds_max": 0.4,
        "bulk_http_median_seconds": statistics.median(results["bulk_http"]["seconds"]),
        "bulk_http_met": statistics.median(results["bulk_http"]["seconds"]) <= 0.4,
        "bulk_job_seconds_max": 4.0,
        "bulk_job_median_seconds": results.get("bulk_job", {}).get("median_seconds"),
        "bulk_job_met": "bulk_job" in results and results["bulk_job"]["median_seconds"] <= 4.0,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
