"""The gunicorn worker that spreads new connections over the workers and gives a connection
a thread only once it has sent something."""

from __future__ import annotations

import collections
import os
import runpy
import selectors
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from core import workers

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "gunicorn.conf.py"


def hello(environ, start_response):
    """The WSGI app the live test serves."""
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def test_accept_parks_the_connection_in_the_poller_and_steps_back(monkeypatch):
    pauses = []
    monkeypatch.setattr(workers.time, "sleep", pauses.append)
    worker = workers.SpreadingThreadWorker.__new__(workers.SpreadingThreadWorker)
    worker.cfg = SimpleNamespace(keepalive=2, is_ssl=False)
    worker.nr_conns, worker.pending_conns = 0, collections.deque()
    worker.poller = selectors.DefaultSelector()
    worker.enqueue_req = lambda conn: pytest.fail("a thread was given to a silent connection")
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.setblocking(False)
        with socket.create_connection(listener.getsockname()):
            worker.accept(listener)
            worker.accept(listener)  # nothing more to accept: no error, no count
            assert worker.nr_conns == 1 and len(worker.pending_conns) == 1
            conn = worker.pending_conns[0]
            assert worker.poller.get_key(conn.sock).events == selectors.EVENT_READ
            assert conn.timeout - time.monotonic() > 4  # at least gthread's own data wait
            conn.sock.close()
    assert pauses == [workers.ACCEPT_PAUSE_SECONDS]


def test_gunicorn_runs_it_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("GUNICORN_WORKER_CLASS", raising=False)
    assert runpy.run_path(str(CONF))["worker_class"] == "core.workers.SpreadingThreadWorker"
    monkeypatch.setenv("GUNICORN_WORKER_CLASS", "gthread")
    assert runpy.run_path(str(CONF))["worker_class"] == "gthread"


@pytest.fixture
def one_thread_server():
    """gunicorn with this worker class, one worker, one thread."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-k", "core.workers.SpreadingThreadWorker",
         "-w", "1", "--threads", "1", "--keep-alive", "5", "-b", f"127.0.0.1:{port}",
         "tests.core.test_workers:hello"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.1)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_silent_connection_holds_no_thread(one_thread_server):
    """The worker's only thread stays free while a client that connected says nothing (the
    stock gthread worker held it for 5 s, and the request behind waited that long)."""
    with socket.create_connection(("127.0.0.1", one_thread_server)) as silent:
        time.sleep(0.5)  # accepted by now
        with socket.create_connection(("127.0.0.1", one_thread_server), timeout=3) as client:
            client.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")
            assert client.recv(1024).startswith(b"HTTP/1.1 200 OK")
        silent.sendall(b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")  # it is still served
        silent.settimeout(3)
        assert silent.recv(1024).startswith(b"HTTP/1.1 200 OK")
