"""HTTP/1.1 over one kept-alive socket towards a bank: the request written in one piece, the
answer read and framed (Content-Length, chunked, or up to the close) with only the steps a bank
call needs. `http.client` wrote each header with a call of its own and parsed every answer's
headers through the email package: most of a bank call's transport CPU.

What it checks, as `http.client` did: no CR, LF or NUL inside a header (a value carrying one
would smuggle a header or a second request to the bank), no space or control character in the
request target, at most `MAX_HEAD` bytes and `MAX_HEADERS` lines of answer head. Failures are
`Disconnected` (the bank closed the connection before any of its answer: an idempotent call
may be sent again on a new one), `ProtocolError` (anything else malformed or cut short) and
the socket's own `TimeoutError` and `OSError`s.
"""

from __future__ import annotations

import re
import select
import socket
import ssl
from collections.abc import Iterable

MAX_HEAD = 65536
MAX_HEADERS = 100
CHUNK = 65536
NO_BODY_STATUSES = frozenset({204, 304})
BAD_TARGET = re.compile(r"[\x00-\x20\x7f]")
BAD_HEADER = re.compile(r"[\r\n\x00]")


class Disconnected(ConnectionError):
    """The bank closed the connection before sending any of its answer."""


class ProtocolError(Exception):
    """A request that cannot be written, or an answer that is not HTTP/1.1 as it must be."""


def request_head(method: str, target: str, headers: Iterable[tuple[str, str]]) -> bytes:
    if BAD_TARGET.search(target) or BAD_TARGET.search(method):
        raise ProtocolError("the request target has a space or a control character")
    lines = [f"{method} {target} HTTP/1.1\r\n"]
    for name, value in headers:
        lines.append(f"{name}: {value}\r\n")
    lines.append("\r\n")
    head = "".join(lines)
    # every CR, LF and NUL must be one of the line ends just written
    if head.count("\n") != len(lines) or head.count("\r") != len(lines) or "\x00" in head:
        raise ProtocolError("a header name or value holds CR, LF or NUL")
    return head.encode("latin-1")


class Connection:
    """One connection and what was read from it past the last answer (nothing, when the bank
    keeps to request and answer)."""

    __slots__ = ("sock", "_buffer")

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._buffer = bytearray()

    @classmethod
    def open(cls, host: str, port: int, *, timeout: float | None,
             ssl_context: ssl.SSLContext | None = None) -> Connection:
        sock = socket.create_connection((host, port), timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if ssl_context is not None:
                sock = ssl_context.wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise
        return cls(sock)

    def reusable(self) -> bool:
        """Nothing unasked waiting: a bank that closed the kept-alive connection left it
        readable (at EOF), and one that sent something unasked is not to be trusted with the
        next answer."""
        if self._buffer:
            return False
        if isinstance(self.sock, ssl.SSLSocket) and self.sock.pending():
            return False
        return not select.select([self.sock], [], [], 0)[0]

    def close(self) -> None:
        self.sock.close()

    def exchange(self, method: str, head: bytes, body: bytes, timeout: float | None
                 ) -> tuple[int, list[tuple[str, str]], bytes, bool]:
        """(status, header pairs, body, whether the connection may be kept) of one call."""
        self.sock.settimeout(timeout)
        self.sock.sendall(head + body if body else head)
        first = True
        while True:
            version, status, headers = self._head(first)
            first = False
            if not 100 <= status < 200:
                break
            if status == 101:
                raise ProtocolError("the bank switched protocols")
        connection = _tokens(headers, "connection")
        keep = "close" not in connection if version == "HTTP/1.1" else "keep-alive" in connection
        if method == "HEAD" or status in NO_BODY_STATUSES:
            return status, headers, b"", keep
        if "chunked" in _tokens(headers, "transfer-encoding"):
            return status, headers, self._chunked(), keep
        lengths = {value.strip() for name, value in headers if name.lower() == "content-length"}
        if not lengths:
            return status, headers, self._to_close(), False
        if len(lengths) > 1 or not next(iter(lengths)).isdigit():
            raise ProtocolError("a bad Content-Length")
        return status, headers, self._exactly(int(next(iter(lengths)))), keep

    # -- reading -------------------------------------------------------------------------
    def _fill(self, started: bool = True) -> None:
        data = self.sock.recv(CHUNK)
        if not data:
            if not started:
                raise Disconnected("the bank closed the connection")
            raise ProtocolError("the answer was cut short")
        self._buffer += data

    def _head(self, first: bool) -> tuple[str, int, list[tuple[str, str]]]:
        buffer = self._buffer
        end = self._find(b"\r\n\r\n", "the answer's head", started=bool(buffer) or not first)
        raw = bytes(buffer[:end]).decode("latin-1")
        del buffer[:end + 4]
        status_line, *lines = raw.split("\r\n")
        version, _, rest = status_line.partition(" ")
        code = rest[:3]
        if version not in ("HTTP/1.1", "HTTP/1.0") or not (code.isdigit() and len(code) == 3):
            raise ProtocolError(f"not an HTTP/1.x status line: {status_line[:40]!r}")
        if len(lines) > MAX_HEADERS:
            raise ProtocolError("too many headers")
        headers: list[tuple[str, str]] = []
        for line in lines:
            if line[:1] in (" ", "\t") and headers:  # an obsolete folded continuation
                name, value = headers[-1]
                headers[-1] = (name, f"{value} {line.strip()}")
                continue
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip():
                raise ProtocolError("a malformed header line")
            headers.append((name, value.strip()))
        return version, int(code), headers

    def _exactly(self, size: int) -> bytes:
        buffer = self._buffer
        while len(buffer) < size:
            self._fill()
        content = bytes(buffer[:size])
        del buffer[:size]
        return content

    def _find(self, marker: bytes, what: str, *, started: bool = True) -> int:
        """Where `marker` starts in the buffer, reading until it arrives (within MAX_HEAD)."""
        buffer = self._buffer
        searched = 0
        while (end := buffer.find(marker, searched)) < 0:
            if len(buffer) > MAX_HEAD:
                raise ProtocolError(f"{what} is too long")
            searched = max(0, len(buffer) - len(marker) + 1)
            self._fill(started=started or bool(buffer))
        return end

    def _line(self) -> bytes:
        end = self._find(b"\r\n", "a chunk line")
        line = bytes(self._buffer[:end])
        del self._buffer[:end + 2]
        return line

    def _chunked(self) -> bytes:
        parts = []
        while True:
            size_text = self._line().split(b";", 1)[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise ProtocolError("a bad chunk size") from None
            if size == 0:
                while self._line():  # trailers, up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self._exactly(size))
            if self._exactly(2) != b"\r\n":
                raise ProtocolError("a chunk without its line end")

    def _to_close(self) -> bytes:
        while True:
            data = self.sock.recv(CHUNK)
            if not data:
                break
            self._buffer += data
        content = bytes(self._buffer)
        self._buffer.clear()
        return content


def _tokens(headers: list[tuple[str, str]], wanted: str) -> set[str]:
    return {token.strip().lower() for name, value in headers if name.lower() == wanted
            for token in value.split(",")}
