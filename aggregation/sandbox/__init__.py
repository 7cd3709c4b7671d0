"""Sandbox banks: fictional banks that speak the real standards (UK Open Banking v4.0 AIS,
Berlin Group NextGenPSD2 1.3.x AIS), each a Flask Blueprint from `make_bank_blueprint`.

Mounted inside the main app under `/sandbox/<bank>/` (embedded default), served all together by
`create_sandbox_app()` (`gunicorn aggregation.sandbox.wsgi:app`), or one by one with
`flask --app wsgi sandbox run BANK --port N`.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from aggregation.sandbox import admin, bg_api, hooks, oauth, ob_api
from aggregation.sandbox.bank import OB, SandboxBank, SandboxClient, default_banks
from aggregation.sandbox.state import BankState
from aggregation.sandbox.trust import sandbox_banks_for

__all__ = ["SandboxBank", "SandboxClient", "default_banks", "make_bank_blueprint",
           "create_sandbox_app", "bank_state"]


def make_bank_blueprint(bank: SandboxBank) -> Blueprint:
    """One bank: its OAuth server, its standard's AIS endpoints, admin and fault switches.
    Each call makes a bank with fresh state (kept on the blueprint as `sandbox_state`)."""
    bp = Blueprint(f"sandbox_{bank.id}", __name__)
    state = BankState(bank)
    bp.sandbox_state = state  # type: ignore[attr-defined]
    admin.register(bp, state)
    if bank.standard == OB:
        hooks.register(bp, state, hooks.ob_error_renderer)
        oauth.register(bp, state)
        ob_api.register(bp, state)
    else:
        hooks.register(bp, state, hooks.bg_error_renderer)
        oauth.register(bp, state)
        bg_api.register(bp, state)
    return bp


def mount(app: Flask, banks: list[SandboxBank], prefix: str = "/sandbox") -> dict[str, BankState]:
    """Register each bank under `{prefix}/<bank>`; return their states by bank id."""
    states = {}
    for bank in banks:
        bp = make_bank_blueprint(bank)
        app.register_blueprint(bp, url_prefix=f"{prefix}/{bank.id}")
        states[bank.id] = bp.sandbox_state
    app.extensions.setdefault("sandbox_banks", {}).update(states)
    return states


def bank_state(app: Flask, bank_id: str) -> BankState:
    return app.extensions["sandbox_banks"][bank_id]


def create_sandbox_app(banks: list[SandboxBank] | None = None) -> Flask:
    """A Flask app serving the given banks (default: all, with the default registry's clients
    trusted) under `/sandbox/<bank>/`."""
    app = Flask(__name__)
    if banks is None:
        banks = sandbox_banks_for(None)
    mount(app, banks)
    return app
