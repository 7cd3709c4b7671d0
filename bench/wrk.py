"""wrk (Debian's `/usr/bin/wrk`), the load generator of the benches' throughput phases: two
threads in C over keep-alive connections take a fraction of the CPU a Python client would,
so the service keeps the cores it is measured on. The ceiling and every phase it is compared
with are loaded the same way.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import tempfile

WRK = "/usr/bin/wrk"
THREADS = 2


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _lua(string: str) -> str:
    return '"' + string.replace("\\", "\\\\").replace('"', '\\"') + '"'


def rotation_script(path: str, headers: list[dict]) -> str:
    """A wrk script sending `GET path` with each set of `headers` in turn (one per consent,
    say), every request formatted once, before the clock starts."""
    requests = ",\n".join(
        "  wrk.format('GET', " + _lua(path) + ", {" + ", ".join(
            f"[{_lua(k)}] = {_lua(v)}" for k, v in sent.items()) + "})"
        for sent in headers)
    return ("local requests = {\n" + requests + "\n}\nlocal i = 0\n"
            "request = function()\n  i = i % #requests + 1\n  return requests[i]\nend\n")


def run(port: int, path: str, seconds: float, concurrency: int,
        headers: list[dict] | None = None, cpu_of=None, server_pid: int | None = None) -> dict:
    """One wrk run (`-t2 -c<concurrency>`, keep-alive, `--latency`): throughput, p50/p99,
    responses other than 2xx/3xx, and CPU per request of the server (`cpu_of(server_pid)`,
    when given) and of wrk itself. Several header sets are sent in turn."""
    cmd = [WRK, f"-t{THREADS}", f"-c{concurrency}", f"-d{seconds:g}s", "--latency"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(rotation_script(path, headers or [{}]))
    cmd += ["-s", script.name, f"http://127.0.0.1:{port}{path}"]
    server_cpu = cpu_of(server_pid) if cpu_of and server_pid else 0.0
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = cpu_of(server_pid) - server_cpu if cpu_of and server_pid else 0.0
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    found = {"throughput_rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
             "requests": requests, "concurrency": concurrency, "seconds": seconds,
             "load_generator": f"wrk -t{THREADS}",
             "non_2xx_3xx": int(errors.group(1)) if errors else 0,
             "server_cpu_ms_per_request": round(1000 * server_cpu / max(1, requests), 2),
             "load_generator_cpu_ms_per_request": round(
                 1000 * (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
                 / max(1, requests), 3)}
    for pct in ("50", "99"):
        hit = re.search(rf"^\s+{pct}(?:\.000)?%\s+([\d.]+)(us|ms|s)\b", out, re.M)
        found[f"p{pct}_ms"] = round(_ms(*hit.groups()), 3) if hit else None
    return found
