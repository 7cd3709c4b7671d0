"""Server CPU of single payee checks, in process: the WSGI app over the real PostgreSQL and
Redis, without gunicorn or a load generator sharing the cores, so the figure holds still on a
busy machine. Optionally with a pyinstrument profile of the checks.

    .venv/bin/python bench/cop_profile.py [--checks 3000] [--profile out.html]

Uses the directory bench/cop.py seeded (run it once first; the same DATABASE_URL, REDIS_URL).
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import random
import sys
import time

import harness
from cop_setup import batch, entered

PATH = "/cop/v1/name-verifications"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checks", type=int, default=3000)
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--bulk", type=int, default=0,
                        help="send batches of this many items to /bulk instead of single checks")
    parser.add_argument("--profile", help="write a pyinstrument HTML profile (wall time) here")
    parser.add_argument("--cpu-profile", action="store_true",
                        help="print the functions that took the most CPU (cProfile, timed "
                             "by process_time: waits on the database and Redis do not count)")
    args = parser.parse_args()
    database, redis_url, work = harness.store("cop", "bench_cop", 6)
    for key, value in {"COP_RATE_LIMIT": "100000000/minute",
                       "COP_DISCLOSURE_LIMIT": "100000000/hour",
                       "COP_BULK_RATE_LIMIT": "100000/minute"}.items():
        os.environ[key] = value
    from core.app import create_app
    from tests.fixtures import auth as fx

    app = create_app({"DATABASE_URL": database, "REDIS_URL": redis_url,
                      "ISSUER": "http://localhost", "SIGNING_KEYS_DIR": str(work / "keys"),
                      "LOG_LEVEL": "WARNING", "AUDIT_HASH_KEY": "bench-audit-key",
                      "SANDBOX_BANKS_ENABLED": False})
    tpp = fx.make_tpp._get_wrapped_function()(app)(roles=("COP",), name="Profile Payments",
                                                    binding="mtls")
    headers = {"Authorization": f"Bearer {tpp.token('payee-checks')}",
               "Content-Type": "application/json", **tpp.cert_headers()}
    rng = random.Random(5)
    bodies = []
    for n in range(args.checks):
        if args.bulk:
            bodies.append(json.dumps({"Data": {"Items": batch(args.bulk, n, args.accounts)}})
                          .encode())
            continue
        ident, typed = entered(rng.randrange(args.accounts), rng)
        bodies.append(json.dumps({"Data": {"SchemeName": "SortCodeAccountNumber",
                                           "AccountType": "Personal", "Identification": ident,
                                           "Name": typed}}).encode())
    base = {"REQUEST_METHOD": "POST", "PATH_INFO": PATH + ("/bulk" if args.bulk else ""),
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "REMOTE_ADDR": "127.0.0.1", "SCRIPT_NAME": "", "QUERY_STRING": "",
            "CONTENT_TYPE": "application/json", "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False}
    base.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()
                 if k != "Content-Type"})
    statuses: dict[str, int] = {}

    def start_response(status, _headers, _exc=None):
        statuses[status] = statuses.get(status, 0) + 1

    def check(raw: bytes) -> None:
        environ = {**base, "CONTENT_LENGTH": str(len(raw)), "wsgi.input": io.BytesIO(raw)}
        for _ in app(environ, start_response):
            pass

    for raw in bodies[:1 if args.bulk else 300]:  # warm up: pools, prepared statements, caches
        check(raw)
    statuses.clear()
    gc.collect()
    gc.freeze()  # as gunicorn.conf.py's post_worker_init does after the warm-up
    pauses: list[float] = []  # each full collection's stop, ms
    started_at = [0.0]

    def collected(phase: str, info: dict) -> None:
        if phase == "start":
            started_at[0] = time.perf_counter()
        elif info["generation"] == 2:
            pauses.append(round((time.perf_counter() - started_at[0]) * 1000, 1))

    gc.callbacks.append(collected)
    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
    cprofile = None
    if args.cpu_profile:
        import cProfile

        cprofile = cProfile.Profile(time.process_time)
        cprofile.enable()
    started, cpu = time.perf_counter(), time.process_time()
    for raw in bodies:
        check(raw)
    if cprofile:
        import pstats

        cprofile.disable()
        cprofile.dump_stats(str(work / "checks.pstats"))
        stats = pstats.Stats(cprofile)
        stats.sort_stats("tottime").print_stats(45)
        stats.sort_stats("cumulative").print_stats(70)
    cpu_ms = (time.process_time() - cpu) * 1000 / len(bodies)
    wall_ms = (time.perf_counter() - started) * 1000 / len(bodies)
    if profiler:
        profiler.stop()
        with open(args.profile, "w") as fh:
            fh.write(profiler.output_html())
        print(profiler.output_text(unicode=False, color=False, show_all=False)[:12000])
    gc.callbacks.remove(collected)
    print(json.dumps({"checks": len(bodies), "cpu_ms_per_check": round(cpu_ms, 3),
                      "wall_ms_per_check": round(wall_ms, 3), "statuses": statuses,
                      "full_collections_ms": pauses, "tracked_unfrozen": len(gc.get_objects()),
                      "frozen": gc.get_freeze_count()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
