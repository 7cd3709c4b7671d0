"""Calls from this server to the sandbox banks mounted in it, without taking a server thread.

In the embedded default the connectors reach `{ISSUER}/sandbox/<bank>/…`, i.e. this same
server. Over a socket, each such call needs a second worker thread while the first waits for
it: with gunicorn's 8 threads, 8 PSUs pressing "Connect" at once (or two fan-outs across three
banks each) hold every thread, the calls to the sandbox queue behind them, and all of them
time out. This transport hands those requests to the app in-process (`httpx.WSGITransport`)
on a small pool of its own, so they never wait for a server thread; the read timeout the
connector asked for still applies (a hanging sandbox bank is a `ReadTimeout`, as over HTTP).
Every other URL goes over the network as usual. The connectors cannot tell the difference.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import httpx


class LoopbackTransport(httpx.BaseTransport):
    def __init__(self, app, prefix: str, *, workers: int = 16,
                 network: httpx.BaseTransport | None = None) -> None:
        self.prefix = prefix.rstrip("/") + "/"
        self.wsgi = httpx.WSGITransport(app=app)
        self.network = network or httpx.HTTPTransport()
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not str(request.url).startswith(self.prefix):
            return self.network.handle_request(request)
        request.read()
        future = self._executor().submit(self._answer, request)
        try:
            return future.result(timeout=request.extensions.get("timeout", {}).get("read"))
        except FutureTimeout:
            raise httpx.ReadTimeout("the in-process bank did not answer in time",
                                    request=request) from None

    def _answer(self, request: httpx.Request) -> httpx.Response:
        response = self.wsgi.handle_request(request)
        response.read()
        return response

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:  # a race here only makes a spare pool; no lock needed
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="sandbox-loopback")
        return self._pool

    def close(self) -> None:
        self.network.close()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
