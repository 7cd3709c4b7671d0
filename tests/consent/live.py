"""The test app served on a free localhost port with the sandbox banks mounted in it, the demo
TPPs and PSUs seeded, and the example TPP client loaded — what `make run` gives a developer.

A test module using it overrides `app_settings` with `live_settings(port, tmp_path)`, so the
app's ISSUER (and with it the banks' URLs and our callback URLs) is the served address.
"""

from __future__ import annotations

import importlib.util
import json
import re
import socket
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin

import httpx
from werkzeug.serving import make_server

from tests.consent.conftest import TEST_KEYS

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tpp_client.py"
PSU_PASSWORD = "demo-pw"
BANK_PASSWORD = "sandbox"
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def live_settings(port: int, tmp_path: Path, **extra) -> dict:
    return {"TOKEN_ENCRYPTION_KEYS": TEST_KEYS, "ISSUER": f"http://127.0.0.1:{port}",
            "DEMO_DIR": str(tmp_path / "demo"), "DEMO_PSU_PASSWORD": PSU_PASSWORD, **extra}


def load_example():
    spec = importlib.util.spec_from_file_location("tpp_client_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def serving(app, port: int):
    """Serve `app` (threaded, like gunicorn's gthread worker) and yield the budgeting TPP."""
    from auth.seed import seed_demo

    with app.extensions["session_factory"]() as session:
        seed_demo(app, session)
    clients = json.loads((Path(app.config["DEMO_DIR"]) / "clients.json").read_text())
    server = make_server("127.0.0.1", port, app, threaded=True)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield clients["budgeting"]
    finally:
        server.shutdown()
        server.server_close()
        app.extensions["banks"].close()


class Browser:
    """The PSU's browser over real HTTP: cookies kept, redirects taken one at a time."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.Client(timeout=20.0, follow_redirects=False)

    def get(self, url: str) -> httpx.Response:
        return self.http.get(urljoin(self.base, url))

    def post(self, url: str, data: dict | None = None) -> httpx.Response:
        return self.http.post(urljoin(self.base, url), data=data)

    def then(self, resp: httpx.Response) -> httpx.Response:
        assert resp.status_code == 303, (resp.status_code, resp.text[:500])
        return self.get(resp.headers["location"])

    def action(self, page: httpx.Response, pattern: str) -> str:
        found = re.search(rf'action="({pattern})"', page.text)
        assert found, page.text[:2000]
        return found.group(1)

    def bank_form(self, page: httpx.Response, username: str, *, approve: bool = True) -> dict:
        import html

        form = {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)}
        return {**form, "username": username, "password": BANK_PASSWORD,
                "decision": "approve" if approve else "deny"}

    def close(self) -> None:
        self.http.close()
