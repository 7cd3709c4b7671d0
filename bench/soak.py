"""Soak: the production server under a steady mixed load, watching latency, errors and memory.

    .venv/bin/python bench/soak.py [--seconds 60] [--rate 40] [--port 8765]

What it runs (loopback only; the server it starts is stopped at the end):
- gunicorn with `gunicorn.conf.py` as in production — PostgreSQL (database `soak`, recreated)
  and Redis (db 9, flushed), so the default cores + 1 workers — and the demo data
  (`flask demo load`: TPPs, PSUs, sandbox banks, the CoP directory);
- in this process, the TPPs' side: private_key_jwt client-credentials tokens and a DPoP proof
  per request (examples/tpp_client.py), a PSU-authorised consent at two sandbox banks for
  balance reads; then an open-loop schedule at a fixed rate (a request is sent at its time
  whether or not earlier ones answered, so a slow server shows up as latency, not as less load).

The mix (weights): payee check 4, balance read 2, consent creation 2, consent read 1, status
summary 2. An endpoint whose package or data is missing is skipped and named in the report.
Reports throughput, p50/p99 per endpoint, errors (5xx, transport errors; 4xx are counted per
status), and each worker's RSS after warm-up and at the end, against the bound
RSS_GROWTH_BOUND_MB. Prints the figures and writes bench/results/soak.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import harness

AIS = "/open-banking/v4.0/aisp"  # the OB v4.0 AIS base path

ROOT = harness.ROOT
sys.path.insert(0, str(ROOT / "examples"))
RESULTS = ROOT / "bench" / "results" / "soak.json"
DATABASE_URL = os.environ.get("SOAK_DATABASE_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/soak")
REDIS_URL = os.environ.get("SOAK_REDIS_URL", "redis://127.0.0.1:6379/9")
RSS_GROWTH_BOUND_MB = 30  # per worker, start (after warm-up) to end of a 60 s run
TOKEN_REFRESH_SECONDS = 200  # access tokens live 300 s
WEIGHTS = {"payee_check": 4, "balances": 2, "consent_create": 2, "consent_read": 1,
           "status_summary": 2}


# -- the server --------------------------------------------------------------------------------
def server_env(port: int, workdir: Path) -> dict:
    from consent.crypto import generate_key_spec

    return {**os.environ, "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL,
            "BIND": f"127.0.0.1:{port}", "ISSUER": f"http://127.0.0.1:{port}",
            "SIGNING_KEYS_DIR": str(workdir / "keys"), "DEMO_DIR": str(workdir / "demo"),
            "TOKEN_ENCRYPTION_KEYS": generate_key_spec("soak"), "LOG_LEVEL": "INFO"}


def start_server(env: dict, workdir: Path) -> subprocess.Popen:
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "wsgi"]
    subprocess.run(flask + ["demo", "load"], env=env, cwd=ROOT, check=True, capture_output=True)
    log = open(workdir / "server.log", "wb")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "wsgi:app", "-c",
                             "gunicorn.conf.py"], env=env, cwd=ROOT, stdout=log, stderr=log,
                            start_new_session=True)


# -- the TPPs' side ----------------------------------------------------------------------------
class Caller:
    """A demo TPP with a client-credentials token kept fresh, a DPoP proof per call."""

    def __init__(self, base: str, client: dict, scope: str):
        import tpp_client

        self.tpp = tpp_client.Tpp(base, client, out=lambda *_: None)
        self.tpp.discover()
        self.scope, self.lock, self.minted, self.token = scope, threading.Lock(), 0.0, ""

    def current(self) -> str:
        with self.lock:
            if time.monotonic() - self.minted > TOKEN_REFRESH_SECONDS:
                self.token, self.minted = self.tpp.client_token(self.scope), time.monotonic()
            return self.token

    def call(self, path, method="GET", token=None, **kw):
        return self.tpp.call(path, token or self.current(), method, **kw)


def psu_token(base: str, client: dict):
    """A consent authorised by alice at two sandbox banks, through the real pages."""
    import tpp_client as t

    tpp = t.Tpp(base, client, out=lambda *_: None)
    tpp.discover()
    cc = tpp.client_token("accounts")
    expiry = (dt.datetime.now(dt.UTC) + dt.timedelta(days=30)).replace(microsecond=0)
    created = tpp.call(f"{AIS}/account-access-consents", cc, "POST", json={
        "Data": {"Permissions": ["ReadAccountsDetail", "ReadBalances"],
                 "ExpirationDateTime": expiry.isoformat()}, "Risk": {}})
    consent_id = created.json()["Data"]["ConsentId"]
    details = json.dumps([{"type": "account_access_consent", "consent_id": consent_id}])
    request_uri, verifier, state = tpp.push("accounts", {"authorization_details": details})
    browser = t.Browser(client["redirect_uri"])
    url = tpp.authorize_url(request_uri)
    browser.http.get(url).raise_for_status()
    screen = browser.post(base, url.split("?")[0], {
        "action": "sign_in", "request_uri": request_uri, "username": "alice",
        "password": os.environ.get("DEMO_PSU_PASSWORD", "open-banking-demo")})
    back = t._authorise_at_banks(tpp, browser, screen, ["northgate", "rheinfeld"], "alice",
                                 "sandbox")
    token = tpp.exchange(back.headers["location"], verifier, state)["access_token"]
    return tpp, token  # the token is bound to this Tpp's DPoP key


def workload(base: str, demo_dir: Path) -> tuple[dict, dict]:
    """name -> callable returning a response; and name -> why it was skipped."""
    import httpx

    clients = json.loads((demo_dir / "clients.json").read_text())
    jobs, skipped = {}, {}
    aisp = Caller(base, clients["budgeting"], "accounts")
    body = {"Data": {"Permissions": ["ReadAccountsBasic", "ReadBalances"],
                     "ExpirationDateTime": "2099-01-01T00:00:00+00:00"}, "Risk": {}}
    first = aisp.call(f"{AIS}/account-access-consents", "POST", json=body)
    if first.status_code == 201:
        consent = first.json()["Data"]["ConsentId"]
        jobs["consent_create"] = lambda: aisp.call(f"{AIS}/account-access-consents", "POST",
                                                   json=body)
        jobs["consent_read"] = lambda: aisp.call(f"{AIS}/account-access-consents/{consent}")
    else:
        skipped["consent_create"] = f"POST /account-access-consents: {first.status_code}"
    if "payments" in clients:
        cop = Caller(base, clients["payments"], "payee-checks")
        check = {"Data": {"SchemeName": "SortCodeAccountNumber", "AccountType": "Personal",
                          "Identification": "04000412345678", "Name": "John Smith"}}
        probe = cop.call("/cop/v1/name-verifications", "POST", json=check)
        if probe.status_code == 200:
            jobs["payee_check"] = lambda: cop.call("/cop/v1/name-verifications", "POST",
                                                   json=check)
        else:
            skipped["payee_check"] = f"probe answered {probe.status_code}"
    try:
        reader, token = psu_token(base, clients["budgeting"])
        probe = reader.call(f"{AIS}/balances", token)
        if probe.status_code == 200:
            jobs["balances"] = lambda: reader.call(f"{AIS}/balances", token)
        else:
            skipped["balances"] = f"GET /balances: {probe.status_code} {probe.text[:300]}"
    except Exception as exc:  # noqa: BLE001 - a missing package or flow: skip, say why
        skipped["balances"] = f"no PSU-authorised consent: {type(exc).__name__}: {exc}"[:200]
    status = httpx.Client(base_url=base, timeout=10)
    if status.get("/status/v1/summary").status_code == 200:
        jobs["status_summary"] = lambda: status.get("/status/v1/summary")
    else:
        skipped["status_summary"] = "GET /status/v1/summary not answering 200"
    return jobs, skipped


def schedule(jobs: dict, rate: float, seconds: float) -> list[str]:
    names = [n for n in WEIGHTS if n in jobs]
    cycle = [n for n in names for _ in range(WEIGHTS[n])]
    return [cycle[i % len(cycle)] for i in range(int(rate * seconds))]


def run_load(jobs: dict, plan: list[str], rate: float) -> tuple[dict, int, float]:
    samples: dict[str, list[tuple[float, int]]] = defaultdict(list)
    late = 0
    lock = threading.Lock()

    def one(name):
        started = time.perf_counter()
        try:
            status = jobs[name]().status_code
        except Exception:  # noqa: BLE001 - a transport error is an error, counted
            status = 0
        with lock:
            samples[name].append((time.perf_counter() - started, status))

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=64) as pool:
        for i, name in enumerate(plan):
            due = began + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            elif wait < -0.05:
                late += 1
            pool.submit(one, name)
    return samples, late, time.perf_counter() - began


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(samples, late, elapsed, skipped, rss_start, rss_end, args) -> dict:
    endpoints = {}
    for name, rows in sorted(samples.items()):
        latencies = [s * 1000 for s, _ in rows]
        statuses = Counter(status for _, status in rows)
        endpoints[name] = {
            "requests": len(rows), "p50_ms": round(percentile(latencies, 0.50), 1),
            "p99_ms": round(percentile(latencies, 0.99), 1),
            "mean_ms": round(statistics.fmean(latencies), 1),
            "errors": sum(v for k, v in statuses.items() if k == 0 or k >= 500),
            "statuses": {str(k): v for k, v in sorted(statuses.items())}}
    total = sum(e["requests"] for e in endpoints.values())
    growth = {pid: round(rss_end[pid] - rss_start[pid], 1) for pid in rss_start
              if rss_end.get(pid) is not None}
    return {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "config": {"seconds": args.seconds, "target_rate_per_s": args.rate,
                   "workers": len(rss_start), "database": "PostgreSQL (soak)",
                   "redis": REDIS_URL, "server": "gunicorn -c gunicorn.conf.py (gthread)"},
        "throughput_per_s": round(total / elapsed, 1), "requests": total,
        "late_sends": late, "errors": sum(e["errors"] for e in endpoints.values()),
        "endpoints": endpoints, "skipped": skipped,
        "worker_rss_mb": {"start": rss_start, "end": rss_end, "growth": growth,
                          "bound_mb": RSS_GROWTH_BOUND_MB,
                          "within_bound": all(g <= RSS_GROWTH_BOUND_MB
                                              for g in growth.values())},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=40, help="requests per second, in all")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)

    import tempfile

    workdir = Path(tempfile.mkdtemp(prefix="soak-"))
    base = f"http://127.0.0.1:{args.port}"
    harness.fresh_store(DATABASE_URL, REDIS_URL)
    env = server_env(args.port, workdir)
    server = start_server(env, workdir)
    try:
        harness.wait_ready(args.port, "/readyz", 30)
        jobs, skipped = workload(base, workdir / "demo")
        if not jobs:
            raise SystemExit(f"nothing to run: {skipped}")
        for name in jobs:  # warm-up: every code path once before memory is measured
            for _ in range(5):
                jobs[name]()
        pids = harness.worker_pids(server.pid)
        rss_start = {pid: harness.rss_mb(pid) for pid in pids}
        samples, late, elapsed = run_load(jobs, schedule(jobs, args.rate, args.seconds),
                                          args.rate)
        rss_end = {pid: harness.rss_mb(pid) for pid in pids}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    result = report(samples, late, elapsed, skipped, rss_start, rss_end, args)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{result['requests']} requests in {elapsed:.1f}s = {result['throughput_per_s']}/s "
          f"(target {args.rate}/s, {late} sent late), errors {result['errors']}")
    for name, row in result["endpoints"].items():
        print(f"  {name:<15} n={row['requests']:<5} p50 {row['p50_ms']:>7} ms  p99 "
              f"{row['p99_ms']:>7} ms  errors {row['errors']}  {row['statuses']}")
    for name, why in skipped.items():
        print(f"  {name:<15} skipped: {why}")
    rss = result["worker_rss_mb"]
    print(f"worker RSS MB start {list(rss['start'].values())} end {list(rss['end'].values())}"
          f" (bound +{RSS_GROWTH_BOUND_MB} MB each: "
          f"{'ok' if rss['within_bound'] else 'EXCEEDED'})")
    print(f"written to {RESULTS.relative_to(ROOT)}; server log {workdir / 'server.log'}")
    return 0 if result["errors"] == 0 and rss["within_bound"] else 1


if __name__ == "__main__":
    sys.exit(main())
