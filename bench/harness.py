"""What every bench shares: starting and stopping gunicorn processes, the bench's own
PostgreSQL database and Redis db, the CPU a process tree used, reading HTTP responses off
raw sockets, and the ceiling (bench/ceiling.py) each figure is a share of.

Importing it puts the repository first on `sys.path`: a bench runs as `python bench/x.py`,
which puts bench/ first, where bench/cop.py would hide the cop package.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path[:1]:
    sys.path.insert(0, str(ROOT))

from ceiling import PATH as CEILING_PATH  # noqa: E402,F401 - the benches import it from here
from ceiling import hello_requests, median_run, ratio, write_results  # noqa: E402,F401

RESULTS_DIR = ROOT / "bench" / "results"


def store(name: str, database: str, redis_db: int) -> tuple[str, str, Path]:
    """(database URL, Redis URL, work folder) of the bench `name`: `DATABASE_URL` and
    `REDIS_URL` when set, else its own database and Redis db on the local servers."""
    url = os.environ.get("DATABASE_URL", f"postgresql+psycopg://postgres@127.0.0.1:5432/{database}")
    redis_url = os.environ.get("REDIS_URL", f"redis://127.0.0.1:6379/{redis_db}")
    work = RESULTS_DIR / f"{name}-run"
    work.mkdir(parents=True, exist_ok=True)
    return url, redis_url, work


def fresh_store(database: str, redis_url: str, *, reset: bool = True) -> None:
    """The bench's database at the current schema (emptied unless `reset` is false) and its
    Redis db flushed."""
    import redis

    from core import cli
    from tests.conftest import reset_postgres

    if database.startswith("postgresql"):
        ensure_database(database)
        if reset:
            reset_postgres(database)
    cli.upgrade(database)
    redis.Redis.from_url(redis_url).flushdb()


# -- processes --------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], env: dict, port: int, log: Path) -> subprocess.Popen:
    handle = open(log, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT,
                            start_new_session=True)
    for _ in range(150):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"{cmd} exited; see {log}") from None
            time.sleep(0.1)
    raise RuntimeError(f"{cmd} did not listen on {port}")


def wait_ready(port: int, path: str, seconds: float = 120.0,
               context: ssl.SSLContext | None = None) -> None:
    """Until `path` answers 200 (over HTTPS with `context`). gunicorn's master listens before
    its workers have warmed up (gunicorn.conf.py), so an open port does not yet mean an
    answer: on a loaded machine the first requests waited seconds, and a short warm-up phase
    sent none at all."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5) if context is None \
                else http.client.HTTPSConnection("127.0.0.1", port, timeout=5, context=context)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"nothing answered GET {path} on port {port} in {seconds} s")
        time.sleep(0.2)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def ensure_database(url: str) -> None:
    """Create the bench's PostgreSQL database on the server of `url` if it is not there."""
    from sqlalchemy import create_engine, text

    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            name = url.rsplit("/", 1)[1]
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": name}).first():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def gunicorn(app: str, port: int, env: dict, workers: int, threads: int, log: Path):
    # the worker class and hooks come from gunicorn.conf.py, as in production
    cmd = [str(ROOT / ".venv/bin/gunicorn"), app, "-b", f"127.0.0.1:{port}", "-w", str(workers),
           "--threads", str(threads), "--log-level", "warning",
           "--timeout", "60"]
    return start(cmd, env, port, log)



# -- measuring --------------------------------------------------------------------------------
def cpu_seconds(pid: int) -> float:
    """CPU (user + system) of a process and its children (gunicorn master and workers), from
    /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total



def worker_pids(master: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                pids.append(int(entry.name))
    return sorted(pids)


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def connect(port: int) -> socket.socket:
    """A non-blocking loopback connection that sends each request at once (no Nagle delay)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setblocking(False)
    return sock


def complete(buffer: bytes) -> tuple[int, int] | None:
    """(status, length of the whole response) once `buffer` holds a whole response."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    length = 0
    for line in buffer[:end].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if len(buffer) < end + 4 + length:
        return None
    return int(buffer[9:12]), end + 4 + length
