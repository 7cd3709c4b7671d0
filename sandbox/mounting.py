"""Each sandbox bank as a Flask Blueprint (its OAuth server, its standard's AIS endpoints, admin
and fault switches), mounted under `/sandbox/<bank>/` in an app."""

from __future__ import annotations

from flask import Blueprint, Flask

from sandbox import admin, bg_api, hooks, oauth, ob_api
from sandbox.bank import OB, SandboxBank
from sandbox.state import BankState


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


def create_sandbox_app(banks: list[SandboxBank]) -> Flask:
    """A Flask app serving the given banks under `/sandbox/<bank>/`."""
    app = Flask(__name__)
    mount(app, banks)
    return app
