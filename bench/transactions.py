"""Benchmark: transactions across 3 banks x 2 accounts with 100 ms of bank latency per page.

    .venv/bin/python bench/transactions.py [--latency-ms 100] [--per-day 3] [--bank-page 500]
                                           [--samples 200]

What it runs, in this process (the service's code path from the Flask test client down to
PostgreSQL and Redis; no socket, no gunicorn): the app with a PSU-authorised consent at three
fake banks (the consent, PAR, sign-in, code and DPoP-bound token flows are the real ones),
each bank a deterministic 24-month history (`tests/aggregation/txn_fakes.py`: card payments,
salary, rent, transfers between the customer's banks, pending entries) served `--bank-page`
entries a page, each page taking L (`--latency-ms`).

Figures (each phase three times, the median run reported with every run beside it):
- first full sync: the first `GET /transactions` of a fresh consent (every account's whole
  window read, written, linked, and the first page answered), with the number of transactions
  stored, each bank's status, and how much the process's peak RSS grew during it;
- a page of 100 from the synced consent (`Links.Next` cursors): p50/p99 of `--samples` reads;
- an incremental sync (the sync freshness set to 0, so every read asks every bank for what is
  new: one page each): p50/p99, against L + 60 ms;
- the ceiling: a Flask hello-world through the same test client, the same number of reads;
  every latency is also given as a multiple of the ceiling's.
The DPoP proofs are made before the clock starts (a TPP signs its own; it is not ours to time).
The table is ANALYZEd after each first sync, as autovacuum would after such an insert (on a
table without statistics the planner sorts a consent's rows instead of walking the index).
Needs PostgreSQL and Redis (defaults: database `test_txnapi_bench`, created if missing and
emptied, Redis db 4). Results: `bench/results/transactions.json`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "bench"))

import redis  # noqa: E402
from ceiling import create_app as hello_app  # noqa: E402
from ceiling import median_run, ratio, write_results  # noqa: E402
from sqlalchemy import create_engine, func, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from aggregation.models import StoredTransaction  # noqa: E402
from consent.crypto import generate_key_spec  # noqa: E402
from core import cli  # noqa: E402
from core.app import create_app  # noqa: E402
from tests.aggregation.test_api import AIS, authorise  # noqa: E402
from tests.aggregation.txn_fakes import TxnConnector, history  # noqa: E402
from tests.fixtures.auth import make_psu, make_tpp  # noqa: E402

DEFAULT_DB = "postgresql+psycopg://postgres@127.0.0.1:5432/test_txnapi_bench"
DEFAULT_REDIS = "redis://127.0.0.1:6379/4"
TXNS = f"{AIS}/transactions"
BANKS = ("alpha", "beta", "gamma")
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


def build_app(db: str, kv: str, keys_dir: str):
    redis.Redis.from_url(kv).flushdb()
    return create_app({"DATABASE_URL": db, "REDIS_URL": kv, "ISSUER": "http://localhost",
                       "SIGNING_KEYS_DIR": keys_dir, "TESTING": True,
                       "TOKEN_ENCRYPTION_KEYS": generate_key_spec("b1"),
                       "RATELIMIT_ENABLED": False, "AGGREGATION_TRANSACTIONS_PAGE_SIZE": 100})


class Bench:
    def __init__(self, app, args) -> None:
        self.app, self.args = app, args
        self.tpps = make_tpp.__wrapped__(app)
        self.psus = make_psu.__wrapped__(app)
        self.consents = 0

    def consent(self):
        """A fresh consent at the three banks, each with its fake history."""
        self.consents += 1
        setup = authorise(self.app, self.tpps, self.psus, list(BANKS), permissions=PERMISSIONS,
                          username=f"psu{self.consents}")
        connectors = self.app.extensions.setdefault("bank_connectors", {})
        for bank_id in BANKS:
            peer = {"alpha": {"transfers_to": "beta-cur"},
                    "beta": {"transfers_from": "alpha-cur"}}.get(bank_id, {})
            histories = {f"{bank_id}-{kind}": history(
                bank_id, f"{bank_id}-{kind}", days=730, per_day=self.args.per_day,
                **(peer if kind == "cur" else {})) for kind in ("cur", "eur")}
            connectors[bank_id] = TxnConnector(
                bank_id, setup.connectors[bank_id].accounts, histories=histories,
                page_size=self.args.bank_page, page_latency=self.args.latency_ms / 1000)
        return setup

    def headers(self, setup, count: int) -> list[dict]:
        """DPoP proofs made ahead (htu has no query, so one serves any page)."""
        tpp = setup.tpp
        return [{"Authorization": f"DPoP {setup.token}",
                 "x-fapi-customer-ip-address": "203.0.113.9",
                 **tpp.binding_headers("GET", TXNS, setup.token)} for _ in range(count)]

    def get(self, client, path: str, headers: dict) -> tuple[float, dict]:
        started = time.perf_counter()
        resp = client.get(path, headers=headers)
        took = time.perf_counter() - started
        assert resp.status_code == 200, (resp.status_code, resp.get_data(as_text=True)[:300])
        return took, resp.get_json()

    # -- phases -----------------------------------------------------------------------------
    def first_sync(self) -> dict:
        setup = self.consent()
        self.app.extensions["aggregation"].cache.fresh_seconds = 3600
        client = self.app.test_client()
        header = self.headers(setup, 1)[0]
        gc.collect()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        took, body = self.get(client, f"{TXNS}?include=aggregation", header)
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        stored = self.stored(setup.consent_id)
        banks = {b["BankId"]: (b["Status"], b["HistoryComplete"])
                 for b in body["Aggregation"]["Banks"]}
        self.synced = setup
        with self.app.extensions["engine"].begin() as conn:  # what autovacuum does on its own
            conn.execute(text("ANALYZE aggregation_transactions"))
        return {"seconds": round(took, 3), "transactions": stored,
                "pages": body["Meta"]["TotalPages"], "max_rss_growth_mib": round(grown / 1024, 1),
                "banks": banks}

    def pages(self) -> dict:
        setup, client = self.synced, self.app.test_client()
        urls, path = [], TXNS
        headers = self.headers(setup, self.args.samples + 200)
        while path and len(urls) < self.args.samples:
            _, body = self.get(client, path, headers.pop())
            nxt = body["Links"].get("Next")
            path = urlsplit(nxt)._replace(scheme="", netloc="").geturl() if nxt else None
            if path:
                urls.append(path)
        samples = []
        for i in range(self.args.samples):
            took, body = self.get(client, urls[i % len(urls)], headers.pop())
            assert len(body["Data"]["Transaction"]) == 100 or i % len(urls) == len(urls) - 1
            samples.append(took)
        return summary(samples)

    def incremental(self) -> dict:
        setup, client = self.synced, self.app.test_client()
        self.app.extensions["aggregation"].cache.fresh_seconds = 0
        headers = self.headers(setup, self.args.incremental)
        samples = [self.get(client, TXNS, h)[0] for h in headers]
        self.app.extensions["aggregation"].cache.fresh_seconds = 3600
        return summary(samples)

    def ceiling(self, count: int) -> dict:
        client = hello_app().test_client()
        samples = []
        for _ in range(count):
            started = time.perf_counter()
            assert client.get("/hello").status_code == 200
            samples.append(time.perf_counter() - started)
        return summary(samples)

    def stored(self, consent_id: str) -> int:
        with self.app.extensions["session_factory"]() as session:
            return session.scalar(select(func.count()).select_from(StoredTransaction).where(
                StoredTransaction.consent_id == consent_id))


def summary(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"n": len(ordered), "p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(p99 * 1000, 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=float, default=100.0)
    parser.add_argument("--per-day", type=int, default=3, help="card payments a day")
    parser.add_argument("--bank-page", type=int, default=500, help="entries per bank page")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--incremental", type=int, default=40)
    args = parser.parse_args()
    db = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DB)
    kv = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS)
    fresh_database(db)
    with tempfile.TemporaryDirectory() as keys:
        app = build_app(db, kv, keys)
        bench = Bench(app, args)
        try:
            first = median_run(bench.first_sync, key="seconds")
            page = median_run(bench.pages, key="p99_ms")
            incremental = median_run(bench.incremental, key="p99_ms")
            hello = median_run(bench.ceiling, args.samples, key="p99_ms")
        finally:
            app.extensions["aggregation"].fanout.shutdown()
            app.extensions["transactions"].banks.syncer.pool.shutdown()
    latency = args.latency_ms
    results = {"when": dt.datetime.now(dt.UTC).isoformat(), "settings": vars(args),
               "load_average_1_5_15": os.getloadavg(), "cpus": os.cpu_count(),
               "first_full_sync": first, "page_of_100": page,
               "incremental_sync": incremental, "ceiling_hello_world": hello,
               "page_p99_over_ceiling_p99": ratio(page["p99_ms"], hello["p99_ms"]),
               "incremental_p99_minus_latency_ms": round(incremental["p99_ms"] - latency, 2)}
    targets = {
        "first_full_sync_s": first["seconds"], "first_full_sync_target_s": 3.0,
        "transactions": first["transactions"], "transactions_target": 10000,
        "page_p99_ms": page["p99_ms"], "page_p99_target_ms": 20.0,
        "incremental_p99_ms": incremental["p99_ms"],
        "incremental_p99_target_ms": latency + 60.0,
        "ceiling_p99_ms": hello["p99_ms"], "max_rss_growth_mib": first["max_rss_growth_mib"]}
    write_results(RESULTS, results, targets)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
