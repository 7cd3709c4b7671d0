"""Serve a WSGI app on localhost in a background thread (tests, benchmarks, walk-throughs):

    with serve(create_sandbox_app(banks)) as base_url:
        ...

With `ssl_context` (see `aggregation.connectors.tls.server_context`) it serves HTTPS, and a
client certificate the handshake verified reaches the app as `SSL_CLIENT_CERT` (PEM).
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server


@contextmanager
def serve(app, host: str = "127.0.0.1", port: int = 0, *,
          ssl_context: ssl.SSLContext | None = None) -> Iterator[str]:
    """Port 0 picks a free port; yields the base URL and stops the server on exit."""
    server = make_server(host, port, app, threaded=True, ssl_context=ssl_context)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="sandbox-server", daemon=True)
    thread.start()
    scheme = "https" if ssl_context is not None else "http"
    try:
        yield f"{scheme}://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
