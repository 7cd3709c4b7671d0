"""Sandbox banks: fictional banks that speak the real standards (UK Open Banking v4.0 AIS,
Berlin Group NextGenPSD2 1.3.x AIS), each a Flask Blueprint from `make_bank_blueprint`.

Mounted inside the main app under `/sandbox/<bank>/` by `init_app` (embedded default), served
all together by `create_sandbox_app` (`gunicorn sandbox.wsgi:app`), or one by one with
`flask --app wsgi sandbox run BANK --port N`. The banks are the outside world: they know
nothing of the service but the clients they trust, which its bank registry hands over as plain
data (`app.extensions["sandbox_clients"]()`, see `trust.sandbox_banks`).
"""

from __future__ import annotations

from flask import Flask

from sandbox import cli
from sandbox.bank import SandboxBank, SandboxClient, default_banks
from sandbox.mounting import bank_state, create_sandbox_app, make_bank_blueprint, mount
from sandbox.trust import configured_banks, sandbox_banks

__all__ = ["SandboxBank", "SandboxClient", "default_banks", "make_bank_blueprint",
           "create_sandbox_app", "bank_state", "init_app", "mount", "sandbox_banks"]


def init_app(app: Flask, api) -> None:
    """Mount the sandbox banks under `/sandbox/<bank>/` when `SANDBOX_BANKS_ENABLED`, trusting
    the clients the service's bank registry names; add the `sandbox` commands. Plain Flask
    blueprints: they stay out of the OpenAPI document."""
    if app.config["SANDBOX_BANKS_ENABLED"]:
        mount(app, configured_banks(app.config, app.extensions["sandbox_clients"]()))
    cli.init_app(app)

