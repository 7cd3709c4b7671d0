"""The WSGI apps bench/aggregate.py runs under gunicorn: a sandbox bank with added latency
and the service with the bench's bank registry (`BANKS_FILE`). Imported by gunicorn, so it
imports nothing from bench/.
"""

from __future__ import annotations

import os

BANK_SECRET = "bench-bank-secret"


def sandbox_app():
    """One OB v4.0 sandbox bank with added latency: `bench.aggregate_apps:sandbox_app()`."""
    from sandbox import SandboxBank, SandboxClient, create_sandbox_app
    from sandbox.seed import SEED

    bank = SandboxBank("thamesmoor", "Bench Bank", "ob-uk-4.0", "GB", "TMBSGB21",
                       SEED["thamesmoor"],
                       clients={"obhub-bench": SandboxClient("obhub-bench", secret=BANK_SECRET)},
                       psu_password="sandbox",
                       faults={"latency_ms": int(os.environ.get("BENCH_LATENCY_MS", "100"))})
    return create_sandbox_app([bank])


def server_app():
    """The service, with the aggregation blueprint and the bench's bank registry."""
    from aggregation import api as aggregation_api
    from core.app import create_app

    app = create_app()
    if "aggregation" not in app.blueprints:
        app.extensions["api"].register_blueprint(aggregation_api.blp)
    app.extensions["banks"] = registry(app.instance_path)
    return app


def registry(base_dir: str):
    from aggregation.registry import BankRegistry

    return BankRegistry.load(os.environ["BANKS_FILE"], issuer="http://localhost",
                             base_dir=base_dir)
