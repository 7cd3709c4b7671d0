"""The bank transport: connections kept alive and dropped when the bank closed them, request
headers and bodies as httpx would send them, and failures as typed bank errors."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from aggregation.connectors.errors import BankTimeout, BankUnreachable
from aggregation.connectors.http_client import make_http_client
from aggregation.connectors.transport import Transport


class Bank(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen: list  # (client port, method, path, headers (any case), body)
    close_after: bool = False  # close the kept-alive connection without saying so
    delay: float = 0.0

    def _answer(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append((self.client_address[1], self.command, self.path,
                          self.headers, body))
        time.sleep(self.delay)
        out = json.dumps({"ok": True}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
        if self.close_after:
            self.close_connection = True

    do_GET = do_POST = do_DELETE = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def bank():
    handler = type("TestBank", (Bank,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield handler
    server.shutdown()
    server.server_close()


def test_calls_share_one_kept_alive_connection(bank):
    transport = Transport("b", make_http_client())
    for _ in range(5):
        response = transport.send("GET", f"{bank.url}/accounts?x=1")
        assert response.status_code == 200 and transport.json(response) == {"ok": True}
    assert len({port for port, *_ in bank.seen}) == 1
    assert [path for _, _, path, _, _ in bank.seen] == ["/accounts?x=1"] * 5


def test_a_connection_the_bank_closed_is_not_reused(bank):
    bank.close_after = True
    transport = Transport("b", make_http_client())
    for _ in range(3):
        assert transport.send("GET", f"{bank.url}/accounts").status_code == 200
    time.sleep(0.05)
    assert transport.send("DELETE", f"{bank.url}/consents/c-1").status_code == 200
    assert len({port for port, *_ in bank.seen}) == 4


def test_headers_and_bodies_are_sent_as_httpx_sends_them(bank):
    transport = Transport("b", make_http_client())
    transport.send("POST", f"{bank.url}/consents", headers={"accept": "application/json",
                                                            "x-fapi-interaction-id": "i-1"},
                   json_body={"Data": {"Name": "Zoë"}})
    transport.send("POST", f"{bank.url}/token", form={"grant_type": "refresh_token",
                                                      "refresh_token": "r t"})
    (_, _, _, first, body), (_, _, _, second, form) = bank.seen
    assert json.loads(body) == {"Data": {"Name": "Zoë"}} and b" " not in body
    assert first["Content-Type"] == "application/json"
    assert first.get_all("Accept") == ["application/json"]  # the caller's, not a second one
    assert first["x-fapi-interaction-id"] == "i-1"
    assert first["User-Agent"] == "obhub-connector/1.0"
    assert first["Host"] == bank.url.removeprefix("http://")
    assert form == b"grant_type=refresh_token&refresh_token=r+t"
    assert second["Content-Type"] == "application/x-www-form-urlencoded"
    assert "Cookie" not in first and "Cookie" not in second


def test_a_slow_bank_is_a_timeout_and_a_closed_port_unreachable(bank):
    bank.delay = 0.5
    transport = Transport("b", make_http_client())
    with pytest.raises(BankTimeout):
        transport.send("GET", f"{bank.url}/accounts", timeout=0.1)
    with pytest.raises(BankUnreachable):
        transport.send("GET", "http://127.0.0.1:1/accounts")


def test_response_hooks_see_each_answer_with_its_request(bank):
    client = make_http_client()
    seen = []
    client.event_hooks["response"].append(seen.append)
    Transport("b", client).send("GET", f"{bank.url}/accounts")
    assert [(r.status_code, r.request.method, r.request.url.path) for r in seen] == [
        (200, "GET", "/accounts")]


def test_mounted_origins_go_to_their_transport():
    client = make_http_client(mounts={"https://bank.example": httpx.MockTransport(
        lambda request: httpx.Response(204))})
    assert Transport("b", client).send("GET", "https://bank.example/x").status_code == 204


def test_an_egress_proxy_in_the_environment_is_still_used(monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    client = make_http_client()
    assert isinstance(client, httpx.Client)
    assert client._transport_for_url(httpx.URL("https://bank.example/x")) is not \
        client._transport  # the proxy's
