"""The load generator of bench/aggregate.py: closed loop over keep-alive sockets from one
forked process, every sample one real request's latency, first byte sent to last byte read.
"""

from __future__ import annotations

import gc
import multiprocessing
import re
import selectors
import statistics
import time
from collections import Counter

from harness import complete, connect, cpu_seconds

AIS = "/open-banking/v4.0/aisp"  # the OB v4.0 AIS base path
# the aggregation extras carry each bank's status, which the bench counts per phase
BALANCES = f"{AIS}/balances?include=aggregation"


def _requests(port: int, headers: list[dict], path: str = BALANCES) -> list[bytes]:
    """One request per consent (by default `GET …/balances?include=aggregation`: the per-bank
    status is read back), encoded once before the clock starts."""
    out = []
    for sent in headers:
        head = "".join(f"{k}: {v}\r\n" for k, v in sent.items())
        out.append(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{head}\r\n".encode())
    return out


BANK_STATUS = re.compile(rb'"Status":\s*"([a-z_]+)"')  # Aggregation.Banks[].Status (lower case)


def _statuses(status: int, body: bytes) -> str:
    return ",".join(sorted({m.decode() for m in BANK_STATUS.findall(body)})) \
        if status == 200 else str(status)


def _drive(args) -> tuple[list[tuple[float, float, int, str]], float]:
    """Closed loop from one process: one selector, `connections` keep-alive sockets, each
    sending its next request as soon as the last is answered; requests pre-encoded. A request
    costs this process tens of µs, where http.client in threads cost several times that and
    took CPU from the server it measured (both share the machine's cores). Each sample is a
    real request's latency, from its first byte sent to its response's last byte read."""
    port, requests, seconds, connections = args
    # Forked from a process that built the whole app: a full collection here would walk
    # those inherited objects (tens of ms) and stall the clock of every request in flight.
    gc.freeze()
    selector = selectors.DefaultSelector()
    busy: dict = {}  # socket -> [request index, sent at, buffer]
    samples: list[tuple[float, float, int, str]] = []

    def send(sock, index):
        sock.sendall(requests[index % len(requests)])  # small: fits the socket buffer
        busy[sock] = [index, time.perf_counter(), b""]
        selector.register(sock, selectors.EVENT_READ)

    started = time.perf_counter()
    end_at = started + seconds
    for index in range(connections):
        send(connect(port), index)
    sent = connections
    while busy:
        for key, _ in selector.select(0.05):
            sock = key.fileobj
            state = busy[sock]
            data = sock.recv(262144)
            selector.unregister(sock)
            if not data:  # the server closed a kept-alive connection: again, on a new one
                sock.close()
                del busy[sock]
                send(connect(port), state[0])
                continue
            state[2] += data
            done = complete(state[2])
            if done is None:
                selector.register(sock, selectors.EVENT_READ)
                continue
            finished = time.perf_counter()
            samples.append((finished - started, finished - state[1], done[0],
                            _statuses(done[0], state[2][:done[1]])))
            del busy[sock]
            if finished < end_at:
                send(sock, sent)
                sent += 1
            else:
                sock.close()
    return samples, time.process_time()


def load(port: int, headers: list[dict], concurrency: int, seconds: float,
         server_pid: int | None = None, path: str = BALANCES) -> dict:
    """Closed loop with `concurrency` connections, driven from a separate process."""
    server_cpu = cpu_seconds(server_pid) if server_pid else 0.0
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(1) as pool:
        samples, client_cpu = pool.apply(_drive, ((port, _requests(port, headers, path),
                                                    seconds, concurrency),))
    elapsed = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - server_cpu if server_pid else 0.0
    latencies = sorted(s[1] * 1000 for s in samples)
    slowest = sorted(samples, key=lambda s: -s[1])[:3]
    return {"concurrency": concurrency, "requests": len(samples),
            "throughput_rps": round(len(samples) / max(s[0] for s in samples), 1),
            "p50_ms": round(statistics.median(latencies), 1),
            "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))], 1),
            "max_ms": round(latencies[-1], 1),
            "slowest_at_s": [[round(s[0], 2), round(s[1] * 1000, 1)] for s in slowest],
            "non_200": sum(1 for s in samples if s[2] != 200),
            "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, len(samples)), 2),
            "load_generator_cpu_ms_per_request": round(1000 * client_cpu / max(1, len(samples)),
                                                       2),
            "wall_seconds": round(elapsed, 2),
            "bank_statuses": dict(Counter(s[3] for s in samples))}
