"""Benchmark: transactions of a consent over 3 sandbox banks x 2 accounts, 100 ms a bank page.

    .venv/bin/python bench/transactions.py [--latency-ms 100] [--samples 200] [--incremental 40]
                                           [--port 9160]

What it runs (loopback only; the process it starts is stopped at the end):
- the sandbox banks (`sandbox/`: Northgate and Thames & Moor speaking UK OB v4.0, Rheinfeld
  speaking Berlin Group) as their own gunicorn process on `--port` (bench/transactions_apps.py),
  over HTTPS from a sandbox CA the service trusts through `BANKS_CA_FILE`,
  each serving its deterministic 24-month histories in its own pagination style, and waiting L
  (`--latency-ms`) before every page of a listing; the demo PSU alice holds two accounts at
  each bank (>= 10,000 transactions in all);
- in this process, the service from the Flask test client down to PostgreSQL and Redis (no
  gunicorn in front), with its bank registry pointing at that process (`SANDBOX_BASE_URL`)
  and its request log quiet (`LOG_LEVEL` WARNING); a TPP and alice, and for each first-sync
  run a fresh consent authorised through the real flow (PAR, sign-in, consent screen, each
  bank's own OAuth pages, code, DPoP-bound token).

Figures (each phase three times, the median run reported with every run beside it):
- first full sync: the first `GET /transactions` of a fresh consent (every account's whole
  window read, written, linked, and the first page answered), with the number of transactions
  stored, each bank's status, and how much the process's peak RSS grew during it;
- a page of 100 from the synced consent (`Links.Next` cursors): p50/p99 of `--samples` reads;
- an incremental sync (the sync freshness set to 0, so every read asks every bank for what is
  new: one page each): p50/p99, against L + 60 ms;
- the ceiling: a Flask hello-world (bench/ceiling.py) through the same test client, the same
  number of reads; the page and incremental figures are also given as multiples of it.
Each DPoP proof is made just before its read, outside the clock and the CPU count (a TPP
signs its own; it is not ours to time).
The table is ANALYZEd after each first sync, as autovacuum would after such an insert (on a
table without statistics the planner sorts a consent's rows instead of walking the index).
Needs PostgreSQL and Redis (defaults: database `test_txnapi_bench`, created if missing and
emptied, Redis db 4; `BENCH_DATABASE_URL`, `BENCH_REDIS_URL`). Results:
`bench/results/transactions.json`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import resource
import statistics
import tempfile
import time
from functools import partial
from urllib.parse import urlsplit

import harness  # first: puts the repository ahead of bench/ on sys.path
import redis
from aggregate_apps import sandbox_tls
from aggregate_setup import connect_bank
from ceiling import create_app as hello_app
from ceiling import median_run, ratio, write_results
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from aggregation.connectors.tls import client_context
from aggregation.models import StoredTransaction
from consent.crypto import generate_key_spec
from core import cli
from core.app import create_app
from tests.aggregation.test_api import driver, rar
from tests.fixtures.auth import PSU_PASSWORD, make_psu, make_tpp

ROOT = harness.ROOT
DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/test_txnapi_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/4"
AIS = "/open-banking/v4.0/aisp"
TXNS = f"{AIS}/transactions"
BANKS = ("northgate", "rheinfeld", "thamesmoor")
PSU = "alice"
PSU_IP = "203.0.113.9"
PERMISSIONS = ("ReadAccountsDetail", "ReadBalances", "ReadTransactionsDetail",
               "ReadTransactionsCredits", "ReadTransactionsDebits")
RESULTS = ROOT / "bench" / "results" / "transactions.json"


def fresh_database(url: str) -> None:
    name = make_url(url).database
    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    cli.upgrade(url)


def build_app(db: str, kv: str, keys_dir: str, sandbox_url: str, ca_file: str = ""):
    """The service, reaching the sandbox banks at `sandbox_url` and trusting the CA in
    `ca_file` for their certificates (`BANKS_CA_FILE`, as a deployment would)."""
    redis.Redis.from_url(kv).flushdb()
    return create_app({"DATABASE_URL": db, "REDIS_URL": kv, "ISSUER": "http://localhost",
                       "SIGNING_KEYS_DIR": keys_dir, "TESTING": True, "LOG_LEVEL": "WARNING",
                       "TOKEN_ENCRYPTION_KEYS": generate_key_spec("b1"),
                       "SANDBOX_BANKS_ENABLED": False, "SANDBOX_BASE_URL": sandbox_url,
                       "BANKS_CA_FILE": ca_file,
                       "RATELIMIT_ENABLED": False, "AGGREGATION_TRANSACTIONS_PAGE_SIZE": 100,
                       # the longest allowed: the later phases read with the token of the
                       # last first sync, minutes after it was issued on a loaded machine
                       "ACCESS_TOKEN_LIFETIME": 600})


def start_sandbox(app, port: int, latency_ms: float, log, tls_env: dict | None = None
                  ) -> object:
    """The sandbox banks as their own process, trusting the clients of the app's registry;
    over HTTPS with `tls_env` (aggregate_apps.sandbox_tls) and the app's `BANKS_CA_FILE`."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING",
           "BENCH_LATENCY_MS": str(int(latency_ms)),
           "BENCH_SANDBOX_CLIENTS": json.dumps(app.extensions["sandbox_clients"]()),
           **(tls_env or {})}
    proc = harness.gunicorn("bench.transactions_apps:sandbox_app()", port, env, 1, 16, log)
    ca_file = app.config["BANKS_CA_FILE"]
    harness.wait_ready(port, "/sandbox/northgate/.well-known/openid-configuration",
                       context=client_context(trust=[ca_file]) if tls_env else None)
    return proc


class Setup:
    def __init__(self, tpp, token: str, consent_id: str) -> None:
        self.tpp, self.token, self.consent_id = tpp, token, consent_id


class Bench:
    def __init__(self, app, args) -> None:
        self.app, self.args = app, args
        self.cpu = 0.0  # this process's CPU inside the timed reads of a phase
        self.tpp = make_tpp.__wrapped__(app)(roles=("AISP",), name="Budget Buddy")
        make_psu.__wrapped__(app)(PSU)

    def consent(self) -> Setup:
        """A fresh consent of alice at the three banks, authorised through the real flow."""
        created = self.tpp.request("POST", f"{AIS}/account-access-consents", scope="accounts",
                                   json={"Data": {"Permissions": list(PERMISSIONS)}, "Risk": {}})
        assert created.status_code == 201, created.get_json()
        consent_id = created.get_json()["Data"]["ConsentId"]
        tokens = self.tpp.authorize(PSU, PSU_PASSWORD, "accounts", rar(consent_id),
                                    drive=driver(BANKS, partial(
                                        connect_bank,
                                        ca_file=self.app.config["BANKS_CA_FILE"] or None)))
        return Setup(self.tpp, tokens["access_token"], consent_id)

    def get(self, client, path: str, headers: dict) -> tuple[float, dict]:
        cpu, started = time.process_time(), time.perf_counter()
        resp = client.get(path, headers=headers)
        took = time.perf_counter() - started
        self.cpu += time.process_time() - cpu
        assert resp.status_code == 200, (resp.status_code, resp.get_data(as_text=True)[:300])
        return took, resp.get_json()

    def proof(self, setup) -> dict:
        """A fresh proof for the next read: made before its clock starts, and never older
        than the server's window for `iat` however slow the phase runs (htu has no query, so
        one serves any page)."""
        return {"Authorization": f"DPoP {setup.token}", "x-fapi-customer-ip-address": PSU_IP,
                **setup.tpp.binding_headers("GET", TXNS, setup.token)}

    # -- phases -----------------------------------------------------------------------------
    def first_sync(self) -> dict:
        setup = self.consent()
        self.app.extensions["aggregation"].cache.fresh_seconds = 3600
        client = self.app.test_client()
        header = self.proof(setup)
        gc.collect()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self.cpu = 0.0
        took, body = self.get(client, f"{TXNS}?include=aggregation", header)
        cpu = self.cpu
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        stored = self.stored(setup.consent_id)
        banks = {b["BankId"]: (b["Status"], b["HistoryComplete"])
                 for b in body["Aggregation"]["Banks"]}
        self.synced = setup
        with self.app.extensions["engine"].begin() as conn:  # what autovacuum does on its own
            conn.execute(text("ANALYZE aggregation_transactions"))
        return {"seconds": round(took, 3), "cpu_seconds": round(cpu, 3), "transactions": stored,
                "pages": body["Meta"]["TotalPages"], "max_rss_growth_mib": round(grown / 1024, 1),
                "banks": banks}

    def pages(self) -> dict:
        setup, client = self.synced, self.app.test_client()
        urls, path = [], TXNS
        while path and len(urls) < self.args.samples:
            _, body = self.get(client, path, self.proof(setup))
            nxt = body["Links"].get("Next")
            path = urlsplit(nxt)._replace(scheme="", netloc="").geturl() if nxt else None
            if path:
                urls.append(path)
        samples, self.cpu = [], 0.0
        for i in range(self.args.samples):
            took, body = self.get(client, urls[i % len(urls)], self.proof(setup))
            assert len(body["Data"]["Transaction"]) == 100 or i % len(urls) == len(urls) - 1
            samples.append(took)
        return summary(samples, self.cpu)

    def incremental(self) -> dict:
        setup, client = self.synced, self.app.test_client()
        self.app.extensions["aggregation"].cache.fresh_seconds = 0
        self.cpu = 0.0
        samples = [self.get(client, TXNS, self.proof(setup))[0]
                   for _ in range(self.args.incremental)]
        cpu = self.cpu
        self.app.extensions["aggregation"].cache.fresh_seconds = 3600
        return summary(samples, cpu)

    def ceiling(self, count: int) -> dict:
        client = hello_app().test_client()
        samples = []
        cpu = time.process_time()
        for _ in range(count):
            started = time.perf_counter()
            assert client.get("/hello").status_code == 200
            samples.append(time.perf_counter() - started)
        return summary(samples, time.process_time() - cpu)

    def stored(self, consent_id: str) -> int:
        with self.app.extensions["session_factory"]() as session:
            return session.scalar(select(func.count()).select_from(StoredTransaction).where(
                StoredTransaction.consent_id == consent_id))


def summary(samples: list[float], cpu_seconds: float) -> dict:
    """p50/p99 of the samples, and this process's CPU per request (threads included)."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(p99 * 1000, 2),
            "cpu_ms_per_request": round(cpu_seconds * 1000 / len(ordered), 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--incremental", type=int, default=40)
    parser.add_argument("--port", type=int, default=9160, help="the sandbox banks' port")
    args = parser.parse_args()
    db = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    kv = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    fresh_database(db)
    work = ROOT / "bench" / "results" / "transactions-run"
    work.mkdir(parents=True, exist_ok=True)
    tls_env, ca_file = sandbox_tls(work / "sandbox-ca")
    with tempfile.TemporaryDirectory() as keys:
        app = build_app(db, kv, keys, f"https://127.0.0.1:{args.port}", ca_file)
        sandbox = start_sandbox(app, args.port, args.latency_ms, work / "sandbox.log",
                                tls_env)
        try:
            bench = Bench(app, args)
            first = median_run(bench.first_sync, key="seconds")
            page = median_run(bench.pages, key="p99_ms")
            incremental = median_run(bench.incremental, key="p99_ms")
            hello = median_run(bench.ceiling, args.samples, key="p99_ms")
        finally:
            harness.stop(sandbox)
            app.extensions["aggregation"].fanout.shutdown()
            app.extensions["transactions"].banks.syncer.pool.shutdown()
            app.extensions["banks"].close()
    latency = args.latency_ms
    results = {"when": dt.datetime.now(dt.UTC).isoformat(), "settings": vars(args),
               "load_average_1_5_15": os.getloadavg(), "cpus": os.cpu_count(),
               "first_full_sync": first, "page_of_100": page,
               "incremental_sync": incremental, "ceiling_hello_world": hello,
               "page_p99_over_ceiling_p99": ratio(page["p99_ms"], hello["p99_ms"]),
               "page_p50_over_ceiling_p50": ratio(page["p50_ms"], hello["p50_ms"]),
               "incremental_p99_minus_latency_over_ceiling_p99": ratio(
                   incremental["p99_ms"] - latency, hello["p99_ms"]),
               "incremental_p99_minus_latency_ms": round(incremental["p99_ms"] - latency, 2)}
    targets = {
        "first_full_sync_s": first["seconds"], "first_full_sync_target_s": 3.0,
        "first_full_sync_cpu_s": first["cpu_seconds"],
        "transactions": first["transactions"], "transactions_target": 10000,
        "page_p99_ms": page["p99_ms"], "page_p99_target_ms": 20.0,
        "page_cpu_ms": page["cpu_ms_per_request"],
        "incremental_p99_ms": incremental["p99_ms"],
        "incremental_p99_target_ms": latency + 60.0,
        "incremental_cpu_ms": incremental["cpu_ms_per_request"],
        "ceiling_p99_ms": hello["p99_ms"],
        "page_p99_over_ceiling_p99": results["page_p99_over_ceiling_p99"],
        "max_rss_growth_mib": first["max_rss_growth_mib"]}
    write_results(RESULTS, results, targets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
