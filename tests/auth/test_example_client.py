"""examples/tpp_client.py completes the whole flow against a live server on a free port."""

from __future__ import annotations

import importlib.util
import json
import socket
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from auth.seed import seed_demo
from core.app import create_app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tpp_client.py"


def _load_example():
    spec = importlib.util.spec_from_file_location("tpp_client", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def live_server(app, database_url, redis_url, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    live = create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "ISSUER": base,
                       "SIGNING_KEYS_DIR": str(tmp_path / "live-keys"), "TESTING": True,
                       "DEMO_DIR": str(tmp_path / "demo"), "DEMO_PSU_PASSWORD": "demo-pw"})
    with live.extensions["session_factory"]() as session:
        lines = seed_demo(live, session)
    assert any("alice" in line for line in lines)
    live.extensions["auth.authorization_handlers"] = []  # the plain approval page
    server = make_server("127.0.0.1", port, live, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base, tmp_path / "demo"
    server.shutdown()
    live.extensions["engine"].dispose()


def test_example_client_full_flow(live_server):
    base, demo = live_server
    clients = json.loads((demo / "clients.json").read_text())
    assert {"budgeting", "payments", "bank", "status-operator"} <= clients.keys()
    lines: list[str] = []
    code = _load_example().run(base, clients["budgeting"], psu="alice", password="demo-pw",
                               out=lines.append)
    assert code == 0, "\n".join(lines)
    assert any("after revocation: 401" in line for line in lines)


def test_example_cli_entry(live_server, capsys):
    base, demo = live_server
    code = _load_example().main(["--server", base, "--demo-dir", str(demo), "--psu", "bob",
                                 "--password", "demo-pw"])
    assert code == 0, capsys.readouterr().out
