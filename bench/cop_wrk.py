"""Closed-loop throughput with wrk (Debian's `wrk` package), for bench/cop.py.

wrk is a small C program: at the same concurrency it takes a fraction of the CPU a Python
generator takes, so the service and the ceiling get the cores they are measured on. A Lua
script, written once per run, holds every request: the payee checks cycle through the same
pre-built bodies as the open-loop phase, with the same headers (a certificate-bound bearer
token and the client certificate header: static, so no request needs material of its own),
and the ceiling sends its `GET /hello`. wrk prints one JSON line from the script's `done`.

    wrk -t2 -c32 -d8s --latency -s <script> http://127.0.0.1:<port>
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

WRK = os.environ.get("WRK", "wrk")

_LUA_DONE = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, '
    .. '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def _lua_string(text: str) -> str:
    """A Lua long-bracket string holding `text` verbatim (no escapes to get wrong)."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]"


def script(path: Path, method: str, target: str, headers: dict[str, str],
           bodies: list[str] | None) -> Path:
    """Write the Lua script that sends `method target` with `headers`, cycling through
    `bodies` (or none); each wrk thread starts at a different body."""
    # `[ [[key]] ]`: the spaces keep a table key's brackets apart from the long string's
    pairs = ", ".join(f"[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items())
    lines = [f"local headers = {{{pairs}}}",
             f"local bodies = {{{', '.join(_lua_string(b) for b in bodies or [''])}}}",
             "local requests = {}",
             "for i, body in ipairs(bodies) do",
             f"  requests[i] = wrk.format({_lua_string(method)}, {_lua_string(target)}, "
             "headers, body ~= '' and body or nil)",
             "end",
             "local counter = 0",
             "setup = function(thread) counter = counter + 1; "
             "thread:set('offset', counter * 997) end",
             "init = function(args) n = offset or 0 end",
             "request = function()",
             "  n = n + 1",
             "  return requests[n % #requests + 1]",
             "end",
             _LUA_DONE]
    path.write_text("\n".join(lines))
    return path


def available() -> bool:
    return shutil.which(WRK) is not None


def run(port: int, lua: Path, *, seconds: float, connections: int, threads: int = 2) -> dict:
    """One closed-loop wrk run: throughput, latency percentiles, and answers other than 2xx."""
    if not available():
        raise RuntimeError("wrk is not installed; install Debian's package: apt-get install -y wrk")
    cmd = [WRK, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
           "--latency", "-s", str(lua), f"http://127.0.0.1:{port}"]
    load_before = os.getloadavg()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    load_after = os.getloadavg()
    lines = [line for line in done.stdout.splitlines() if line.startswith('{"requests"')]
    if done.returncode or not lines:
        raise RuntimeError(f"{' '.join(cmd)} failed (exit {done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()[-2000:]}")
    summary = json.loads(lines[-1])
    elapsed = summary["duration_us"] / 1e6
    return {"mode": f"closed loop c={connections}, wrk -t{threads}",
            "requests": summary["requests"],
            "throughput_rps": round(summary["requests"] / elapsed, 1),
            "p50_ms": round(summary["p50_us"] / 1000, 2),
            "p99_ms": round(summary["p99_us"] / 1000, 2),
            "max_ms": round(summary["max_us"] / 1000, 2),
            "non_200": summary["non_2xx"], "socket_errors": summary["socket_errors"],
            "load_average_before_after": [round(load_before[0], 2), round(load_after[0], 2)]}
