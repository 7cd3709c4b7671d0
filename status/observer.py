"""Availability of our own APIs, measured from the requests this service answers.

A before/after-request pair on the app: the component comes from the path, a 5xx answer is a
failure (4xx are the caller's), and the call goes to the recorder, which counts in memory and
adds to Redis about once a second — no database write and no round trip on the hot path.
"""

from __future__ import annotations

import functools
import time

from flask import g, request

# Path prefixes of each component; the first match wins. Paths outside these are not counted
# (the status page itself, docs, health, sandbox banks).
COMPONENT_PATHS: tuple[tuple[str, str], ...] = (
    ("/token", "auth"), ("/par", "auth"), ("/authorize", "auth"), ("/introspect", "auth"),
    ("/revoke", "auth"), ("/register", "auth"), ("/jwks", "auth"), ("/.well-known/", "auth"),
    ("/open-banking/v4.0/aisp", "accounts"),
    ("/cop/v1", "payee-checks"), ("/vop/v1", "payee-checks"),
    ("/payee-checks", "payee-checks"), ("/v1/payee-verifications", "payee-checks"),
    ("/payee-verifications", "payee-checks"), ("/confirmation-of-payee", "payee-checks"),
    ("/verification-of-payee", "payee-checks"),
)


def component_of(path: str, table=COMPONENT_PATHS) -> str | None:
    for prefix, component in table:
        if path == prefix or path.startswith(prefix if prefix.endswith("/") else prefix + "/") \
                or path.startswith(prefix + "?"):
            return component
    return None


def init_app(app, runtime) -> None:
    table = tuple(app.config.get("STATUS_COMPONENT_PATHS", COMPONENT_PATHS))

    # every request asks, and most paths repeat (bounded: paths carry ids)
    @functools.lru_cache(maxsize=4096)
    def component_at(path: str) -> str | None:
        return component_of(path, table)

    @app.before_request
    def _status_clock():
        g.status_started = time.perf_counter()

    @app.after_request
    def _status_observe(response):
        started = g.pop("status_started", None)
        component = component_at(request.path)
        if component is not None and started is not None:
            latency_ms = (time.perf_counter() - started) * 1000
            runtime.recorder.record(f"api:{component}", response.status_code < 500,
                                    latency_ms, runtime.now())
        return response
