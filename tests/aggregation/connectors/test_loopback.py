"""The loopback transport: calls from a server to the sandbox banks mounted in it are answered
in-process on the transport's own pool, so even a one-thread server cannot starve them; the
connector's read timeout still applies; other URLs go over the network."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
from flask import Flask, jsonify
from werkzeug.serving import make_server

from aggregation.connectors.base import ConsentRequest
from aggregation.connectors.loopback import LoopbackTransport
from aggregation.psu_browser import authorise
from aggregation.registry import BankRegistry
from sandbox import mount
from sandbox.trust import sandbox_banks


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def bank_app(tmp_path):
    registry = BankRegistry.load(issuer="http://localhost", base_dir=tmp_path)
    registry.ensure_sandbox_keys()
    app = Flask("sandbox-banks")
    app.extensions["states"] = mount(app, sandbox_banks(registry.sandbox_clients()))
    return app


@pytest.fixture
def states(bank_app):
    return bank_app.extensions["states"]


def test_answers_in_process_without_a_listener(bank_app):
    transport = LoopbackTransport(bank_app, "http://127.0.0.1:9/sandbox/")  # nothing listens
    with httpx.Client(transport=transport) as client:
        meta = client.get("http://127.0.0.1:9/sandbox/northgate/.well-known/openid-configuration")
    assert meta.status_code == 200
    assert meta.json()["token_endpoint"] == "http://127.0.0.1:9/sandbox/northgate/oauth/token"


def test_other_urls_go_to_the_network(bank_app):
    seen = []
    network = httpx.MockTransport(lambda request: seen.append(str(request.url)) or
                                  httpx.Response(204))
    transport = LoopbackTransport(bank_app, "http://127.0.0.1:9/sandbox/", network=network)
    with httpx.Client(transport=transport) as client:
        assert client.get("http://127.0.0.1:9/elsewhere").status_code == 204
    assert seen == ["http://127.0.0.1:9/elsewhere"]


def test_read_timeout_still_applies(bank_app, states):
    states["northgate"].faults.update({"timeout": True, "hang_seconds": 30})
    transport = LoopbackTransport(bank_app, "http://127.0.0.1:9/sandbox/")
    started = time.monotonic()
    try:
        with httpx.Client(transport=transport, timeout=httpx.Timeout(0.3)) as client, \
                pytest.raises(httpx.ReadTimeout):
            client.post("http://127.0.0.1:9/sandbox/northgate/oauth/token", data={})
    finally:
        states["northgate"].reset_faults()  # the hanging call returns at once
    assert time.monotonic() - started < 5


def test_a_one_thread_server_reaches_its_own_sandbox_banks(tmp_path):
    """The embedded default's shape with the worst thread budget: a server with one thread
    whose request makes the bank's full consent flow against banks mounted in itself."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    registry = BankRegistry.load(issuer=base, base_dir=tmp_path)
    registry.ensure_sandbox_keys()
    app = Flask("one-thread")
    mount(app, sandbox_banks(registry.sandbox_clients()))
    registry.serve_in_process(LoopbackTransport(app, f"{base}/sandbox/"))

    @app.post("/outer/<bank_id>")
    def outer(bank_id):
        made = registry.connector(bank_id).create_consent(ConsentRequest(psu_ip="203.0.113.7"))
        return jsonify({"consent": made.consent_id, "status": made.status.value})

    server = make_server("127.0.0.1", port, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for bank_id in ("northgate", "thamesmoor", "rheinfeld"):
            answer = httpx.post(f"{base}/outer/{bank_id}", timeout=10)
            assert answer.status_code == 200, answer.text
            assert answer.json()["status"] == "awaiting_authorisation"
        # the PSU's browser still reaches the bank's sign-in page over real HTTP
        connector = registry.connector("northgate")
        made = connector.create_consent(ConsentRequest(psu_ip="203.0.113.7"))
        redirect = connector.authorisation_redirect(
            made.consent_id, redirect_uri=f"{base}/consent/callback/northgate", state="s1")
        assert authorise(redirect.url, "alice")["state"] == "s1"
    finally:
        server.shutdown()
        registry.close()

