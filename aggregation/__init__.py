"""Aggregation: the bank registry, one connector per bank standard, the normalised balance model,
and the sandbox banks; the fan-out across banks builds on them."""

from __future__ import annotations

import importlib.util
import os


def init_app(app, api) -> None:
    """Load the bank registry into `app.extensions["banks"]`, mount the sandbox banks under
    `/sandbox/<bank>/` when `SANDBOX_BANKS_ENABLED`, and add the `banks` and `sandbox` commands.
    Sandbox endpoints are plain Flask blueprints, so they stay out of the OpenAPI document."""
    from aggregation import cli
    from aggregation.registry import load_registry
    from core.warm import add_warmer

    registry = load_registry(app.config, app.instance_path)
    app.extensions["banks"] = registry
    add_warmer(app, registry.warm)
    if app.config.get("SANDBOX_BANKS_ENABLED"):
        from aggregation.sandbox import mount
        from aggregation.sandbox.trust import sandbox_banks_for

        mount(app, sandbox_banks_for(registry, psu_password=_setting(app, "SANDBOX_PSU_PASSWORD",
                                                                      "sandbox"),
                                     admin_token=_setting(app, "SANDBOX_ADMIN_TOKEN", "")))
        if _setting(app, "SANDBOX_LOOPBACK", "true").lower() not in ("0", "false", "no", "off"):
            # our own calls to the mounted banks must not wait for a server thread
            from aggregation.sandbox.loopback import LoopbackTransport

            registry.serve_in_process(LoopbackTransport(app, f"{app.config['ISSUER']}/sandbox/"))
        if app.config.get("DEMO_DATA"):
            from aggregation import demo
            from auth.portal import register_demo_consent

            register_demo_consent(app, demo.authoriser(
                app, _setting(app, "SANDBOX_PSU_PASSWORD", "sandbox")))
    cli.init_app(app)
    _register_api(app, api)


def _register_api(app, api) -> None:
    """The TPP-facing aggregation API, once its module exists."""
    if importlib.util.find_spec("aggregation.api") is None:
        return
    from aggregation import api as aggregation_api

    if hasattr(aggregation_api, "init_app"):
        aggregation_api.init_app(app, api)
    elif hasattr(aggregation_api, "blp"):
        api.register_blueprint(aggregation_api.blp)


def _setting(app, name: str, default: str) -> str:
    return str(app.config.get(name) or os.environ.get(name) or default)
