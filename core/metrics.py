"""Prometheus metrics: requests by endpoint and status, and a latency histogram.

Each app has its own registry, so tests can create many apps. Under gunicorn with several
workers set PROMETHEUS_MULTIPROC_DIR and `/metrics` aggregates every worker's figures.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total",
            "HTTP requests answered, by endpoint, method and status",
            ["endpoint", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by endpoint",
            ["endpoint", "method"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5),
            registry=self.registry,
        )

        # (endpoint, method, status) -> its counter and histogram children: `labels()` takes
        # a lock and builds its key on every call, a tenth of a hello-world request's time.
        # Bounded: endpoints are URL rules, not paths.
        self._children: dict[tuple[str, str, int], tuple] = {}

    def observe(self, endpoint: str, method: str, status: int, seconds: float) -> None:
        children = self._children.get((endpoint, method, status))
        if children is None:
            children = (self.requests.labels(endpoint, method, str(status)),
                        self.latency.labels(endpoint, method))
            self._children[(endpoint, method, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> tuple[bytes, str]:
        # prometheus_client's own switch: the library reads it from the environment in each
        # worker to find its files, so the environment is where it lives, not our settings.
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
