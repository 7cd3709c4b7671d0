"""The load generator of bench/cop.py: payee checks over keep-alive sockets from one forked
process, open loop at a fixed rate (latency counted from each request's scheduled send time)
or closed loop; and the 10,000-payee batch over HTTP.
"""

from __future__ import annotations

import collections
import gc
import http.client
import json
import multiprocessing
import os
import selectors
import statistics
import time

from cop_setup import batch
from harness import complete, connect


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
        while complete(buffer) is None:
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

    def send(sock, index, due):
        sock.sendall(requests[index % len(requests)])  # small: fits the socket buffer
        busy[sock] = [index, due, time.time(), b""]
        selector.register(sock, selectors.EVENT_READ)

    for _ in range(connections):
        idle.append(connect(port))
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
                fresh = connect(port)
                send(fresh, state[0], state[1])
                busy[fresh][2] = state[2]
                continue
            state[3] += data
            done = complete(state[3])
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


def bench_bulk_job(port: int, fresh_headers, accounts: int, items: int = 100_000,
                   runs: int = 3) -> dict:
    """A batch above COP_BULK_SYNC_MAX, as a job: from sending it to holding every result
    (submit, answered 202 with where to poll; poll every 50 ms until `done`). Each run asks
    `fresh_headers()` for its headers (a new token)."""
    timings = []
    for run in range(runs):
        headers = fresh_headers()
        body = json.dumps({"Data": {"Items": batch(items, 200 + run, accounts)}})
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        started = time.perf_counter()
        conn.request("POST", "/cop/v1/name-verifications/bulk", body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        assert resp.status == 202, data[:300]
        location = json.loads(data)["Links"]["Self"]
        submitted = time.perf_counter() - started
        while True:
            conn.request("GET", location, headers=headers)
            resp = conn.getresponse()
            job = json.loads(resp.read())
            assert resp.status == 200, job
            if job["Data"]["Status"] == "done":
                break
            assert job["Data"]["Status"] in ("pending", "running"), job["Data"]["Status"]
            time.sleep(0.05)
        timings.append((round(time.perf_counter() - started, 3), round(submitted, 3)))
        assert len(job["Data"]["VerificationReports"]) == items
        conn.close()
    return {"items": items, "request_bytes": len(body),
            "seconds": [t[0] for t in timings], "submit_seconds": [t[1] for t in timings],
            "median_seconds": statistics.median(t[0] for t in timings)}
