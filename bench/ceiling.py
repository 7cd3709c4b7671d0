"""The ceiling every bench figure is a share of: a Flask hello-world app.

This machine is shared, and absolute figures swing by ±30 % from one run to the next. What
stays comparable is a ratio: a figure divided by what Flask itself serves (one view returning
a small JSON object) through the same gunicorn configuration (`gunicorn.conf.py`: worker
class, hooks, workers and threads), loaded by the same load generator at the same
concurrency, in the same run. Each bench measures the ceiling beside its own phases, runs
every phase three times and reports the median run, with the ratio beside it.

    gunicorn 'bench.ceiling:create_app()' -c gunicorn.conf.py
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from pathlib import Path

from flask import Flask

PATH = "/hello"
RUNS = 3


def create_app() -> Flask:
    app = Flask("ceiling")

    @app.get(PATH)
    def hello():
        return {"hello": "world"}

    return app


def hello_requests(port: int) -> list[bytes]:
    """The ceiling's request, encoded once, as the benches encode theirs."""
    return [f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()]


def median_run(measure: Callable[..., dict], *args, key: str = "throughput_rps",
               runs: int = RUNS, **kwargs) -> dict:
    """Run `measure(*args, **kwargs)` `runs` times; the run whose `key` is the median, with
    every run's value beside it (`runs`), so one lucky or stalled run neither makes nor breaks
    a figure."""
    results = [measure(*args, **kwargs) for _ in range(runs)]
    ordered = sorted(results, key=lambda r: r[key])
    median = dict(ordered[len(ordered) // 2])
    median["runs"] = [r[key] for r in results]
    median[f"median_{key}"] = statistics.median(r[key] for r in results)
    return median


def ratio(value: float, ceiling: float) -> float:
    return round(value / ceiling, 3) if ceiling else 0.0


def write_results(path: Path, results: dict, targets: dict) -> None:
    """Print the targets line and write every figure to `path` (under bench/results/)."""
    results["targets"] = targets
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, indent=2, default=str))
    print(json.dumps(targets))
    print(f"written {path}")
