"""The HTTP client towards banks: `BankClient` over a `KeepAliveTransport`, one pool per TLS
identity, with keep-alive connections per origin and only the steps a bank call needs."""

from __future__ import annotations

import functools
import json
import ssl
import threading
from http.cookiejar import CookieJar
from typing import Any
from urllib.parse import urlencode, urlsplit
from urllib.request import getproxies

import httpx

from aggregation.connectors import wire


class NoCookies(CookieJar):
    """A jar that never takes a cookie and never sends one. A bank client serves every PSU's
    calls to its bank, and a cookie one answer set must never ride along on another
    customer's request. A jar whose policy refuses every cookie was as safe, but it still
    parsed each answer's headers against the policy: a tenth of a bank call's CPU."""

    def extract_cookies(self, response, request) -> None:
        return None

    def add_cookie_header(self, request) -> None:
        return None


@functools.cache
def default_tls_context() -> ssl.SSLContext:
    """The verifying TLS context every bank without a client certificate shares. Building one
    loads the whole CA bundle (~35 ms): per bank client, a worker's first read across ten
    banks spent a third of a second on it."""
    return httpx.create_ssl_context()


IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
USER_AGENT = "obhub-connector/1.0"
Origin = tuple[str, str, int]  # scheme, host, port


class KeepAliveTransport(httpx.BaseTransport):
    """HTTP/1.1 towards a bank over connections kept alive per origin (`wire.Connection`).

    httpx's own transport cost most of a cold read's CPU: httpcore's pool scans its
    connections under a lock and h11 runs an event state machine over every header line. This
    one does per call what a bank call needs: take an idle connection (or open one), write
    the request, read the whole answer, keep the connection when the bank allows it.
    A connection is reused only when its socket has nothing to read (a bank that closed a
    kept-alive connection leaves it readable at EOF); an idempotent call whose reused
    connection turns out closed before any answer is sent once more, on a new one. Timeouts:
    connect, then read for every write and read. Failures are raised as httpx's exceptions,
    so `Transport` (and an `httpx.Client` mounting this) treat them as before."""

    def __init__(self, *, ssl_context: ssl.SSLContext | None = None,
                 max_connections: int = 100) -> None:
        self.ssl_context = ssl_context if ssl_context is not None else default_tls_context()
        self._idle: dict[Origin, list[wire.Connection]] = {}
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(max_connections)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """httpx's transport interface (the lean path is `exchange`, via `BankClient`)."""
        url, timeouts = request.url, request.extensions.get("timeout", {})
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        status, headers, content = self.exchange(
            request.method, origin, url.raw_path.decode("ascii"),
            [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
            request.read(), connect=timeouts.get("connect"), read=timeouts.get("read"),
            pool=timeouts.get("pool"), request=request)
        return httpx.Response(status, headers=headers, stream=httpx.ByteStream(content),
                              extensions={"http_version": b"HTTP/1.1"})

    def exchange(self, method: str, origin: Origin, target: str, headers, body: bytes, *,
                 connect: float | None, read: float | None, pool: float | None,
                 request: httpx.Request | None = None) -> tuple[int, list, bytes]:
        """(status, header pairs, body) of one call; the body read whole."""
        try:
            head = wire.request_head(method, target, headers)
        except wire.ProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc), request=request) from exc
        if not self._slots.acquire(timeout=pool):
            raise httpx.PoolTimeout("no free connection to the bank", request=request)
        conn = None
        try:
            conn, reused = self._checkout(origin, connect, request)
            try:
                status, answer_headers, content, keep = _send(conn, method, head, body, read,
                                                              request)
            except (wire.Disconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                if not (reused and method in IDEMPOTENT):
                    raise httpx.RemoteProtocolError("the bank closed the connection",
                                                    request=request) from None
                conn, _ = self._checkout(origin, connect, request, fresh=True)
                status, answer_headers, content, keep = _send(conn, method, head, body, read,
                                                              request)
        except BaseException:
            if conn is not None:
                conn.close()
            raise
        finally:
            self._slots.release()
        if keep:
            with self._lock:
                self._idle.setdefault(origin, []).append(conn)
        else:
            conn.close()
        return status, answer_headers, content

    def _checkout(self, origin: Origin, connect: float | None, request, *,
                  fresh: bool = False) -> tuple[wire.Connection, bool]:
        """(a connection to `origin`, whether it was kept from an earlier call)."""
        while not fresh:
            with self._lock:
                idle = self._idle.get(origin)
                conn = idle.pop() if idle else None
            if conn is None:
                break
            if conn.reusable():
                return conn, True
            conn.close()  # closed by the bank (or sent something unasked): never reused
        scheme, host, port = origin
        try:
            conn = wire.Connection.open(
                host, port, timeout=connect,
                ssl_context=self.ssl_context if scheme == "https" else None)
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "connect timed out",
                                       request=request) from exc
        except OSError as exc:  # refused, unreachable, unknown name, TLS handshake failed
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from exc
        return conn, False

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, {}
        for conns in idle.values():
            for conn in conns:
                conn.close()


def _send(conn: wire.Connection, method: str, head: bytes, body: bytes, read: float | None,
          request) -> tuple[int, list, bytes, bool]:
    """(status, header pairs, body, whether the connection may be kept) of one exchange."""
    try:
        return conn.exchange(method, head, body, read)
    except TimeoutError as exc:
        raise httpx.ReadTimeout(str(exc) or "read timed out", request=request) from exc
    except (wire.Disconnected, ConnectionResetError, BrokenPipeError):
        raise
    except (wire.ProtocolError, OSError) as exc:
        raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}",
                                        request=request) from exc


def _json_bytes(value: Any) -> bytes:
    """A JSON request body, encoded as httpx encodes one."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode()


class BankClient:
    """The one call `Transport` makes (`request`), straight onto a `KeepAliveTransport`:
    without `httpx.Client`'s per-call URL merging and parsing, header merging, cookie, auth,
    redirect and event-hook steps, which cost as much CPU again as the exchange itself. It
    follows no redirects and keeps no cookies (it serves every PSU's calls to its bank); the
    answer is an `httpx.Response`, its body decoded per its Content-Encoding as httpx does."""

    def __init__(self, transport: KeepAliveTransport, timeout: httpx.Timeout) -> None:
        self.transport, self.timeout = transport, timeout
        # as httpx.Client's: each "request" hook sees (and may change) every request before it
        # is sent, each "response" hook gets every answer, with its `request`
        self.event_hooks: dict[str, list] = {"request": [], "response": []}

    def request(self, method: str, url: str, *, headers: dict[str, str] | None = None,
                json: Any = None, data: dict[str, str] | None = None,
                timeout: httpx.Timeout | None = None,
                auth: httpx.Auth | None = None) -> httpx.Response:
        origin, host, target = _split(url)
        # by lower-case name: a caller's header replaces ours of the same name, whatever its case
        sent = {"host": ("Host", host), "accept": ("Accept", "*/*"),
                "accept-encoding": ("Accept-Encoding", "gzip, deflate"),
                "user-agent": ("User-Agent", USER_AGENT)}
        body = b""
        if json is not None:
            body = _json_bytes(json)
            sent["content-type"] = ("Content-Type", "application/json")
        elif data is not None:
            body = urlencode(data).encode()
            sent["content-type"] = ("Content-Type", "application/x-www-form-urlencoded")
        if body or method in ("POST", "PUT", "PATCH"):
            sent["content-length"] = ("Content-Length", str(len(body)))
        if headers:
            for name, value in headers.items():
                sent[name.lower()] = (name, value)
        pairs = list(sent.values())
        signed = None
        if auth is not None or self.event_hooks["request"]:
            signed = httpx.Request(method, url, headers=pairs, content=body)
            if auth is not None:  # e.g. a bank's signed requests: the auth adds its headers
                signed = _authorised(auth, signed)
            for hook in self.event_hooks["request"]:
                hook(signed)
            pairs = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in signed.headers.raw]
        limits = timeout or self.timeout
        status, answer_headers, content = self.transport.exchange(
            method, origin, target, pairs, body, connect=limits.connect, read=limits.read,
            pool=limits.pool)
        response = httpx.Response(status, headers=answer_headers,
                                  stream=httpx.ByteStream(content))
        response.read()
        if self.event_hooks["response"]:  # the request object only for those who look
            response.request = signed or httpx.Request(method, url, headers=pairs,
                                                       content=body)
            for hook in self.event_hooks["response"]:
                hook(response)
        return response

    def close(self) -> None:
        self.transport.close()


def _split(url: str) -> tuple[Origin, str, str]:
    """(origin, Host header, request target) of an http(s) URL; the fragment is not sent."""
    cut = url.find("/", url.find("://") + 3) if "://" in url else -1
    query = url.find("?")
    if query >= 0 and (cut < 0 or query < cut):
        cut = query
    prefix, rest = (url, "") if cut < 0 else (url[:cut], url[cut:])
    origin, host = _origin(prefix)
    target = rest.partition("#")[0]
    return origin, host, target if target.startswith("/") else "/" + target


@functools.lru_cache(maxsize=256)
def _origin(prefix: str) -> tuple[Origin, str]:
    """A bank's `scheme://host[:port]`, parsed once (a client calls the same few origins)."""
    parts = urlsplit(prefix)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise httpx.UnsupportedProtocol(f"not an http(s) URL: {scheme}://…")
    origin = (scheme, parts.hostname, parts.port or (443 if scheme == "https" else 80))
    return origin, parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"


def _authorised(auth: httpx.Auth, request: httpx.Request) -> httpx.Request:
    """The request as the first step of an `httpx.Auth` leaves it: a header it adds, a
    signature. Only such one-step auths are used here (a challenge-answering auth would need
    the bank's answer fed back, which this client does not do)."""
    flow = auth.sync_auth_flow(request)
    prepared = next(flow)
    flow.close()
    return prepared


def make_http_client(*, ssl_context: ssl.SSLContext | None = None, connect: float = 2.0,
                     read: float = 5.0, max_connections: int = 100,
                     mounts: dict[str, httpx.BaseTransport] | None = None
                     ) -> BankClient | httpx.Client:
    """A pooled client, one per bank (an mTLS bank's carries its client certificate in the SSL
    context), over a `KeepAliveTransport` that may keep every connection it opens (a pool
    that closed connections past a lower figure meant a new TCP connection per call under
    load). `mounts` routes some origins to another transport (sandbox banks served by this
    same process): then an `httpx.Client` with this transport for every other origin. Neither
    keeps cookies: the client serves every PSU's calls to its bank, and a cookie one answer
    set must never ride along on another customer's request."""
    timeout = httpx.Timeout(connect=connect, read=read, write=read, pool=connect)
    transport = None
    # behind an egress proxy configured the standard way (HTTPS_PROXY, NO_PROXY…) httpx's own
    # transport routes every call through it, as before; else the lean path
    if not getproxies():
        transport = KeepAliveTransport(ssl_context=ssl_context,
                                       max_connections=max_connections)
        if not mounts:
            return BankClient(transport, timeout)
    return httpx.Client(
        transport=transport,
        verify=ssl_context if ssl_context is not None else default_tls_context(),
        limits=httpx.Limits(max_connections=max_connections,
                            max_keepalive_connections=max_connections),
        mounts=mounts,
        cookies=NoCookies(),
        timeout=timeout,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )
