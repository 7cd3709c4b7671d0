"""HTTP/1.1 framing towards a bank (connectors/wire.py): answers by Content-Length, chunked and
up to the close, interim 1xx answers skipped, folded headers joined, and requests that would
smuggle a header refused before anything is sent."""

from __future__ import annotations

import socket
import threading

import httpx
import pytest

from aggregation.connectors import wire
from aggregation.connectors.errors import BankUnreachable
from aggregation.connectors.http_client import make_http_client
from aggregation.connectors.transport import Transport


@pytest.fixture
def bank():
    """A bank that answers each request with the next canned bytes, then closes if told."""
    server = socket.create_server(("127.0.0.1", 0))
    answers: list[tuple[bytes, bool]] = []
    received: list[bytes] = []

    def serve():
        while answers:
            conn, _ = server.accept()
            with conn:
                while answers:
                    data = b""
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                    if not data:
                        break
                    received.append(data)
                    answer, close = answers.pop(0)
                    conn.sendall(answer)
                    if close:
                        break

    def start(*canned: tuple[bytes, bool]):
        answers.extend(canned)
        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{server.getsockname()[1]}"

    start.received = received
    yield start
    server.close()


def test_content_length_chunked_and_interim_answers(bank):
    url = bank((b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello",
                False),
               (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                b"X-Folded: one\r\n two\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nT: x\r\n\r\n",
                False))
    transport = Transport("b", make_http_client())
    first = transport.send("GET", f"{url}/a")
    second = transport.send("GET", f"{url}/b")
    assert (first.status_code, first.content) == (200, b"hello")
    assert (second.status_code, second.content) == (200, b"abcde")
    assert second.headers["x-folded"] == "one two"
    assert len(bank.received) == 2  # both on the one kept-alive connection


def test_an_answer_without_length_is_read_to_the_close_and_not_kept(bank):
    url = bank((b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"a\": 1}", True),
               (b"HTTP/1.1 204 No Content\r\n\r\n", False))
    transport = Transport("b", make_http_client())
    assert transport.json(transport.send("GET", f"{url}/a")) == {"a": 1}
    assert transport.send("GET", f"{url}/b").status_code == 204


def test_a_cut_answer_or_a_bad_status_line_is_a_bank_unreachable(bank):
    url = bank((b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", True))
    with pytest.raises(BankUnreachable):
        Transport("b", make_http_client()).send("GET", f"{url}/a")
    url = bank((b"SMTP ready\r\n\r\n", True))
    with pytest.raises(BankUnreachable):
        Transport("b", make_http_client()).send("GET", f"{url}/a")


@pytest.mark.parametrize("headers", [{"x-fapi-customer-ip-address": "1.2.3.4\r\nX-Evil: 1"},
                                     {"Authorization": "Bearer a\nb"},
                                     {"X-Null": "a\x00b"}])
def test_a_header_that_would_smuggle_another_is_refused_unsent(headers):
    with pytest.raises(httpx.LocalProtocolError):
        make_http_client().request("GET", "http://127.0.0.1:9/a", headers=headers)


def test_a_target_with_a_space_is_refused():
    with pytest.raises(wire.ProtocolError):
        wire.request_head("GET", "/a b", [])
