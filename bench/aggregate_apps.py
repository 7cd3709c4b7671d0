"""The WSGI apps bench/aggregate.py runs under gunicorn: a sandbox bank with added latency
and the service with the bench's bank registry (`BANKS_FILE`). Imported by gunicorn, so it
imports nothing from bench/.

The sandbox banks are served over HTTPS as a real bank is (`sandbox_tls`): gunicorn's own TLS
with a server certificate from a sandbox CA, asking for client certificates that CA issued
(mutual TLS for a bank whose profile wants it); the service trusts that CA through its
`BANKS_CA_FILE` setting, as a deployment trusts a bank's private root.
"""

from __future__ import annotations

import os
import shlex
import ssl
from pathlib import Path

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


def sandbox_tls(folder: str | Path) -> tuple[dict[str, str], str]:
    """Serving sandbox banks over HTTPS from the sandbox CA in `folder` (made on first use):
    (the environment a sandbox's gunicorn adds, the CA file the service trusts). gunicorn
    asks for a client certificate and verifies one it gets; each bank decides whether it
    insists. Call before starting the processes that share the CA."""
    from aggregation.connectors.tls import SandboxCA

    ca = SandboxCA(folder)
    server = ca.server_identity()
    args = ["--certfile", server.cert_file, "--keyfile", server.key_file,
            "--ca-certs", str(ca.cert_file), "--cert-reqs", str(int(ssl.CERT_OPTIONAL))]
    return {"GUNICORN_CMD_ARGS": shlex.join(args)}, str(ca.cert_file)


def server_app():
    """The service, with the aggregation blueprint and the bench's bank registry."""
    from aggregation import api as aggregation_api
    from core.app import create_app

    app = create_app()
    if "aggregation" not in app.blueprints:
        app.extensions["api"].register_blueprint(aggregation_api.blp)
    app.extensions["banks"] = registry(app.config, app.instance_path)
    return app


def registry(settings, base_dir: str):
    """The registry as the service loads it: `BANKS_FILE`, trusting `BANKS_CA_FILE`."""
    from aggregation.registry import load_registry

    return load_registry(settings, base_dir)
