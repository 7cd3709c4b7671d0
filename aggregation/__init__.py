"""Aggregation: the bank registry, one connector per bank standard, the normalised balance model;
the fan-out across banks builds on them."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import consent
from aggregation import api as aggregation_api
from aggregation import (
    cli,
    demo,
    gateway,
    txn_api,  # noqa: F401 - its views join the OB AIS blueprint
    txn_wiring,
    wiring,
)
from aggregation.connectors import tls
from aggregation.connectors.loopback import LoopbackTransport
from aggregation.personal_data import CachedBankData, StoredTransactions
from aggregation.registry import SANDBOX_CA_FOLDER, load_registry
from auth.portal import register_demo_consent
from core.personal_data import register
from core.warm import add_warmer


def init_app(app, api) -> None:
    """Load the bank registry into `app.extensions["banks"]` and hand it to consent (the banks
    a PSU connects, each through a `gateway.ConnectorGateway`); build the aggregation service
    and its TPP API; add the `banks` commands. For the sandbox banks (the `sandbox` package,
    initialised after this one) the registry publishes which of our clients they must trust,
    as plain data (`app.extensions["sandbox_clients"]()`), and the HTTPS context a standalone
    one serves with (`app.extensions["sandbox_tls"](host)`); when they are mounted in this
    server, our calls to them skip the socket (`SANDBOX_LOOPBACK`)."""
    registry = load_registry(app.config, app.instance_path)
    app.extensions["banks"] = registry
    app.extensions["sandbox_clients"] = registry.sandbox_clients
    app.extensions["sandbox_tls"] = partial(tls.sandbox_server_context,
                                            Path(app.instance_path) / SANDBOX_CA_FOLDER)
    add_warmer(app, registry.warm)
    consent.provide_banks(app, registry, partial(gateway.from_registry, registry))
    app.extensions["aggregation"] = wiring.build_aggregator(app, consent.adapters(app))
    app.extensions["transactions"] = txn_wiring.build_transactions(
        app, app.extensions["aggregation"])
    if app.config["SANDBOX_BANKS_ENABLED"]:
        if app.config["SANDBOX_LOOPBACK"]:
            # our own calls to the mounted banks must not wait for a server thread
            registry.serve_in_process(LoopbackTransport(app, f"{app.config['ISSUER']}/sandbox/"))
        if app.config["DEMO_DATA"]:
            register_demo_consent(app, demo.authoriser(app, app.config["SANDBOX_PSU_PASSWORD"]))
    cli.init_app(app)
    api.register_blueprint(aggregation_api.blp)
    register(app, CachedBankData(app.extensions["redis"]))
    register(app, StoredTransactions(app.extensions["transactions"].store))
