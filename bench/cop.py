"""Benchmark: payee checks — the matcher alone, a 10,000-payee batch, single checks over HTTP.

    .venv/bin/python bench/cop.py [--seconds 10] [--rate 500] [--workers CORES+1] [--threads 8]
                                  [--accounts 100000] [--sql-seed] [--reuse-directory]

What it runs (loopback only; every process it starts is stopped at the end):
- in this process: the matcher over the labelled corpora and over synthetic pairs
  (decisions/s); a directory of N synthetic accounts; a TPP with role COP and
  certificate-bound (mTLS) tokens; a 10,000-payee batch through the service layer;
- the service under gunicorn (PostgreSQL + Redis, as in production), then:
  single UK checks at a fixed rate (open loop: latency counted from each request's scheduled
  send time, so a stall is not hidden), single checks closed-loop for throughput, and a
  10,000-payee batch over HTTP.
Beside them, the ceiling (bench/ceiling.py): a Flask hello-world under the same gunicorn
configuration, loaded by the same generator at the same concurrency. Each HTTP phase runs
three times; the median run is reported (by throughput, or by p99 at the fixed rate) with
every run's figure and the ratio to the ceiling.
Prints the figures and writes `bench/results/cop.json`. The load generator, PostgreSQL and
Redis share the machine's cores with the service, as they would not in production.
Needs `DATABASE_URL` (PostgreSQL) and `REDIS_URL`; defaults: the local servers, database
`bench_cop` (created if missing) and Redis db 6.
"""

from __future__ import annotations

import argparse
import collections
import gc
import http.client
import json
import multiprocessing
import os
import random
import selectors
import socket
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from aggregate import (  # noqa: E402
    _complete,
    ensure_database,
    free_port,
    gunicorn,
    stop,
    wait_ready,
)
from ceiling import PATH as CEILING_PATH  # noqa: E402
from ceiling import hello_requests, median_run, ratio, write_results  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "cop.json"
BIC = "BNCHGB2LXXX"
FIRST = ("James Olivia Mohammed Amelia Oliver Isla Jack Ava Harry Mia Noah Sophia Wei Anna "
         "Priya Arjun Chinedu Ngozi Jan Katarzyna Juergen Helga Pierre Amelie Jose Lucia "
         "Giorgos Eleni Ivan Olga Mehmet Ayse Lars Ingrid Siobhan Declan Fatima Omar Thanh "
         "Minh").split()
LAST = ("Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Khan Nguyen Chen "
        "Okafor Adeyemi Kowalski Nowak Mueller Schmidt Dubois Martin Garcia Lopez "
        "Papadopoulos Ivanova Petrov Yilmaz Kaya Andersson Hansen Murphy Kelly Rahman Ali "
        "Tran Pham Walsh Obi Haddad Rossi Bianchi").split()
SCOPE = "payee-checks"


def holder_name(i: int) -> str:
    first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST)) % len(LAST)]
    middle = FIRST[(i // 7) % len(FIRST)] if i % 3 == 0 else None
    return " ".join(p for p in (first, middle, last) if p)


def account_id(i: int) -> tuple[str, str]:
    return f"04{i % 10000:04d}", f"{i:08d}"


def entered(i: int, rng: random.Random) -> tuple[str, str]:
    """(sort code + account number, entered name): 60 % exact, 15 % close, 15 % no, 10 % AC01."""
    sort_code, number = account_id(i)
    name = holder_name(i)
    first, *_, last = name.split()
    roll = rng.random()
    if roll < 0.6:
        typed = f"{first} {last}"
    elif roll < 0.75:
        typed = f"{first[0]} {last}" if roll < 0.68 else f"{first} {last[:-1]}"
    elif roll < 0.9:
        typed = f"{FIRST[(FIRST.index(first) + 1) % len(FIRST)]} {last}"
    else:
        number = f"9{number[1:]}"
        typed = f"{first} {last}"
    return sort_code + number, typed


# -- phase 1: the matcher alone ---------------------------------------------------------------
def bench_matcher() -> dict:
    from cop.evaluation import parse_case
    from cop.matching import Holder, clear_caches, decide

    cases = []
    for name in ("corpus.jsonl", "holdout.jsonl"):
        with open(ROOT / "tests" / "cop" / name, encoding="utf-8") as fh:
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


# -- setup --------------------------------------------------------------------------------------
def seed(app, accounts: int) -> None:
    from cop import directory

    factory = app.extensions["session_factory"]
    with factory() as session:
        directory.register_bank(session, name="Bench Bank", bic=BIC, owner_client_id=None,
                                sort_code_ranges=[("040000", "049999")])
        rows = ((i, directory.parse_account({
            "sort_code": account_id(i)[0], "account_number": account_id(i)[1],
            "holder_type": "personal", "holder_names": [holder_name(i)]}))
            for i in range(accounts))
        directory.upsert_accounts(session, None, rows, bank_bic=BIC)


def seed_in_sql(app, accounts: int) -> None:
    """The same directory as `seed`, generated by PostgreSQL itself (INSERT … SELECT over
    generate_series): for 10 million accounts, where the import path would take most of an
    hour. Names and identifiers follow `holder_name` and `account_id` exactly."""
    from sqlalchemy import text

    from cop import directory

    factory = app.extensions["session_factory"]
    with factory() as session:
        directory.register_bank(session, name="Bench Bank", bic=BIC, owner_client_id=None,
                                sort_code_ranges=[("040000", "049999")])
    first = "ARRAY[" + ",".join(f"'{n}'" for n in FIRST) + "]"
    last = "ARRAY[" + ",".join(f"'{n}'" for n in LAST) + "]"
    f, n = len(FIRST), len(LAST)
    statement = f"""
        INSERT INTO cop_accounts (bank_id, sort_code, account_number, holder_type, holder_names,
                                  trading_names, organisation_ids, opted_out, closed, switched,
                                  supports_checks, updated_at)
        SELECT (SELECT id FROM cop_banks WHERE bic = :bic),
               '04' || lpad((i % 10000)::text, 4, '0'), lpad(i::text, 8, '0'), 'personal',
               json_build_array(concat_ws(' ', ({first})[i % {f} + 1],
                   CASE WHEN i % 3 = 0 THEN ({first})[(i / 7) % {f} + 1] END,
                   ({last})[(i / {f}) % {n} + 1])),
               '[]'::json, '{{}}'::json, false, false, false, true, now()
        FROM generate_series(CAST(:start AS bigint), CAST(:stop AS bigint)) AS i"""
    step = 1_000_000
    with factory() as session:
        for start in range(0, accounts, step):
            with session.begin():
                session.execute(text(statement), {"bic": BIC, "start": start,
                                                  "stop": min(accounts, start + step) - 1})
            print(f"  {min(accounts, start + step):,} accounts", flush=True)
    with factory() as session, session.begin():
        session.execute(text("ANALYZE cop_accounts"))


def batch(size: int, seed_value: int, accounts: int) -> list[dict]:
    rng = random.Random(seed_value)
    items = []
    for n in range(size):
        ident, typed = entered(rng.randrange(accounts), rng)
        items.append({"Id": str(n), "SchemeName": "SortCodeAccountNumber",
                      "AccountType": "Personal", "Identification": ident, "Name": typed})
    return items


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


# -- load over HTTP ---------------------------------------------------------------------------
def server_cpu_seconds(master_pid: int) -> float:
    """utime + stime of the gunicorn master's worker processes, from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master_pid or int(entry) == master_pid:
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total



def _requests(port: int, headers: dict, bodies: list[str]) -> list[bytes]:
    """Every request encoded once, before the clock starts."""
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    out = []
    for body in bodies:
        raw = body.encode()
        out.append(f"POST /cop/v1/name-verifications HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                   f"{head}Content-Length: {len(raw)}\r\n\r\n".encode() + raw)
    return out


def _prime(sockets: list, request: bytes) -> None:
    """One untimed request on each new connection, answered before the clock starts. A
    gthread worker gives a freshly accepted connection a thread that waits for its first
    bytes (up to 5 s); connections opened a second before the first request held every
    thread of a worker, and the first timed requests queued behind them. Clients send as
    soon as they connect."""
    for sock in sockets:
        sock.sendall(request)
    for sock in sockets:
        sock.settimeout(10.0)
        buffer = b""
        while _complete(buffer) is None:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("the server closed a connection while it was primed")
            buffer += chunk
        sock.setblocking(False)


def _drive(args) -> list[tuple[float, float, int]]:
    """One process, one selector, `connections` keep-alive sockets, pre-encoded requests:
    cheap enough per request (tens of µs) not to starve the server it measures. Open loop:
    request i is due at start + i/rate and its latency counts from then, even if every
    connection was busy; closed loop: each connection sends again as soon as it is answered."""
    port, requests, rate, seconds, connections, start_at = args
    # Forked from a process that built the whole app: a full collection here would walk
    # those inherited objects (tens of ms) and stall the clock of every request in flight.
    gc.freeze()
    selector = selectors.DefaultSelector()
    total = int(rate * seconds) if rate else 10**9
    end_at = start_at + seconds
    idle: collections.deque = collections.deque()
    busy: dict = {}  # socket -> [request index, due, sent, buffer]
    samples: list[tuple[float, float, int]] = []

    def connect():
        sock = socket.create_connection(("127.0.0.1", port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setblocking(False)
        return sock

    def send(sock, index, due):
        sock.sendall(requests[index % len(requests)])  # small: fits the socket buffer
        busy[sock] = [index, due, time.time(), b""]
        selector.register(sock, selectors.EVENT_READ)

    for _ in range(connections):
        idle.append(connect())
    _prime(list(idle), requests[0])
    time.sleep(max(0.0, start_at - time.time()))
    sent = 0
    while True:
        now = time.time()
        while idle and sent < total and (
                (rate and start_at + sent / rate <= now) or (not rate and now < end_at)):
            send(idle.popleft(), sent, start_at + sent / rate if rate else None)
            sent += 1
        if not busy and (sent >= total or (not rate and now >= end_at)):
            break
        wait = 0.05
        if rate and idle and sent < total:
            wait = max(0.0, min(wait, start_at + sent / rate - now))
        for key, _ in selector.select(wait):
            sock = key.fileobj
            state = busy[sock]
            data = sock.recv(65536)
            if not data:  # the server closed a kept-alive connection: send again on a new one
                selector.unregister(sock)
                sock.close()
                del busy[sock]
                fresh = connect()
                send(fresh, state[0], state[1])
                busy[fresh][2] = state[2]
                continue
            state[3] += data
            done = _complete(state[3])
            if done is None:
                continue
            finished = time.time()
            samples.append((finished - (state[1] or state[2]), finished - state[2], done[0]))
            selector.unregister(sock)
            del busy[sock]
            idle.append(sock)
    for sock in idle:
        sock.close()
    return samples


def load(port, headers, bodies, *, rate: float | None, seconds: float, concurrency: int,
         requests: list[bytes] | None = None):
    """Open loop at `rate` requests/s, or closed loop (`rate=None`) with `concurrency`
    connections, driven from a separate process. `requests`, when given, are sent instead of
    payee checks built from `headers` and `bodies` (the hello-world ceiling)."""
    start_at = time.time() + 1.0
    job = (port, requests or _requests(port, headers, bodies), rate, seconds, concurrency,
           start_at)
    with multiprocessing.get_context("fork").Pool(1) as pool:
        load_before = os.getloadavg()
        samples = pool.apply(_drive, (job,))
        load_after = os.getloadavg()
    elapsed = max(seconds, 1e-9)
    scheduled = sorted(s[0] * 1000 for s in samples)
    service_ms = sorted(s[1] * 1000 for s in samples)

    def pct(values, q):
        return round(values[min(len(values) - 1, int(len(values) * q))], 2)

    return {"mode": f"open loop {rate}/s" if rate else f"closed loop c={concurrency}",
            "requests": len(samples), "throughput_rps": round(len(samples) / elapsed, 1),
            "p50_ms": round(statistics.median(scheduled), 2), "p99_ms": pct(scheduled, 0.99),
            "service_p50_ms": round(statistics.median(service_ms), 2),
            "service_p99_ms": pct(service_ms, 0.99),
            "non_200": sum(1 for s in samples if s[2] != 200),
            "load_average_before_after": [round(load_before[0], 2), round(load_after[0], 2)]}


def bench_bulk_http(port, headers, accounts: int) -> dict:
    timings = []
    for run in range(3):
        body = json.dumps({"Data": {"Items": batch(10_000, 100 + run, accounts)}})
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        started = time.perf_counter()
        conn.request("POST", "/cop/v1/name-verifications/bulk", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        timings.append(time.perf_counter() - started)
        assert resp.status == 200, data[:300]
        conn.close()
    return {"items": 10_000, "request_bytes": len(body), "seconds": [round(t, 3)
                                                                     for t in timings],
            "payees_per_s_best": round(10_000 / min(timings))}


# -- main -------------------------------------------------------------------------------------
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
    parser.add_argument("--reuse-directory", action="store_true",
                        help="keep the database seeded by an earlier run with the same "
                             "--accounts (skips the reset and the seeding)")
    args = parser.parse_args()
    database = os.environ.get("DATABASE_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/bench_cop")
    redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6")
    work = ROOT / "bench" / "results" / "cop-run"
    work.mkdir(parents=True, exist_ok=True)

    results: dict = {"cpus": os.cpu_count(), "load_average_at_start": os.getloadavg(),
                     "workers": args.workers, "threads": args.threads,
                     "accounts": args.accounts}
    results["matcher"] = bench_matcher()
    print(f"matcher: {results['matcher']}", flush=True)

    import redis

    from core import cli
    from core.app import create_app
    from tests.conftest import reset_postgres
    from tests.fixtures import auth as fx

    if database.startswith("postgresql"):
        ensure_database(database)
        if not args.reuse_directory:
            reset_postgres(database)
    cli.upgrade(database)
    redis.Redis.from_url(redis_url).flushdb()
    env = {**os.environ, "DATABASE_URL": database, "REDIS_URL": redis_url,
           "ISSUER": "http://localhost", "SIGNING_KEYS_DIR": str(work / "keys"),
           "LOG_LEVEL": "WARNING", "SANDBOX_BANKS_ENABLED": "false", "PYTHONPATH": str(ROOT),
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
    port = free_port()
    ceiling = gunicorn("bench.ceiling:create_app()", port, env, args.workers, args.threads,
                       work / "ceiling.log")
    try:
        wait_ready(port, CEILING_PATH)
        requests = hello_requests(port)
        load(port, {}, [], rate=None, seconds=2, concurrency=16, requests=requests)  # warm up
        results["ceiling"] = median_run(load, port, {}, [], rate=None, seconds=args.seconds,
                                        concurrency=args.concurrency, requests=requests)
        print(f"ceiling (Flask hello-world, same gunicorn, c={args.concurrency}): "
              f"{results['ceiling']['throughput_rps']}/s (runs {results['ceiling']['runs']})",
              flush=True)
    finally:
        stop(ceiling)
    port = free_port()
    server = gunicorn("wsgi:app", port, env, args.workers, args.threads, work / "server.log")
    try:
        wait_ready(port, "/healthz")
        headers = {"Authorization": f"Bearer {tpp.token(SCOPE)}",
                   "Content-Type": "application/json", **tpp.cert_headers()}
        load(port, headers, bodies, rate=None, seconds=3, concurrency=16)  # warm up
        for key, rate, concurrency, median_of in (
                ("single_fixed_rate", args.rate, 64, "p99_ms"),
                ("single_max", None, args.concurrency, "throughput_rps")):

            def measure(rate=rate, concurrency=concurrency):
                cpu = server_cpu_seconds(server.pid)
                run = load(port, headers, bodies, rate=rate, seconds=args.seconds,
                           concurrency=concurrency)
                used = server_cpu_seconds(server.pid) - cpu
                run["server_cpu_ms_per_request"] = round(used * 1000 / max(1, run["requests"]),
                                                         2)
                return run

            results[key] = median_run(measure, key=median_of)
            results[key]["ratio_to_ceiling"] = ratio(results[key]["throughput_rps"],
                                                     results["ceiling"]["throughput_rps"])
            print(f"single checks: {results[key]}", flush=True)
        results["bulk_http"] = bench_bulk_http(port, headers, args.accounts)
        print(f"bulk (HTTP): {results['bulk_http']}", flush=True)
    finally:
        stop(server)
    results["load_average_at_end"] = os.getloadavg()
    cpu_ms = results["single_max"]["server_cpu_ms_per_request"]
    results["single_capacity_rps_on_2_dedicated_cores"] = round(2000 / cpu_ms) if cpu_ms else None
    write_results(RESULTS, results, {
        "single_ratio_to_ceiling": results["single_max"]["ratio_to_ceiling"],
        "single_rps_min": 1000,
        "single_rps_met": results["single_max"]["throughput_rps"] >= 1000,
        "p99_ms_at_rate_max": 25,
        "p99_met_in_every_run": all(p99 <= 25 for p99 in results["single_fixed_rate"]["runs"]),
        "bulk_seconds_max": 1.0,
        "bulk_http_met": min(results["bulk_http"]["seconds"]) <= 1.0,
    })
    return 0


if __name__ == "__main__":
    sys.exit(main())
