"""Aggregation: the bank registry, one connector per bank standard, the normalised balance model,
and the sandbox banks; the fan-out across banks builds on them."""

from __future__ import annotations

from functools import partial

import consent
from aggregation import api as aggregation_api
from aggregation import cli, demo, gateway, wiring
from aggregation.registry import load_registry
from aggregation.sandbox import mount
from aggregation.sandbox.loopback import LoopbackTransport
from aggregation.sandbox.trust import sandbox_banks_for
from auth.portal import register_demo_consent
from core.warm import add_warmer


def init_app(app, api) -> None:
    """Load the bank registry into `app.extensions["banks"]` and hand it to consent (the banks
    a PSU connects, each through a `gateway.ConnectorGateway`); build the aggregation service
    and its TPP API; mount the sandbox banks under `/sandbox/<bank>/` when
    `SANDBOX_BANKS_ENABLED`; add the `banks` and `sandbox` commands. Sandbox endpoints are
    plain Flask blueprints, so they stay out of the OpenAPI document."""
    registry = load_registry(app.config, app.instance_path)
    app.extensions["banks"] = registry
    add_warmer(app, registry.warm)
    consent.provide_banks(app, registry, partial(gateway.from_registry, registry))
    app.extensions["aggregation"] = wiring.build_aggregator(app, consent.adapters(app))
    if app.config["SANDBOX_BANKS_ENABLED"]:
        mount(app, sandbox_banks_for(registry, psu_password=app.config["SANDBOX_PSU_PASSWORD"],
                                     admin_token=app.config["SANDBOX_ADMIN_TOKEN"]))
        if app.config["SANDBOX_LOOPBACK"]:
            # our own calls to the mounted banks must not wait for a server thread
            registry.serve_in_process(LoopbackTransport(app, f"{app.config['ISSUER']}/sandbox/"))
        if app.config["DEMO_DATA"]:
            register_demo_consent(app, demo.authoriser(app, app.config["SANDBOX_PSU_PASSWORD"]))
    cli.init_app(app)
    api.register_blueprint(aggregation_api.blp)
