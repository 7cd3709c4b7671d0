"""A protected test blueprint, so resource checks are tested without other packages."""

from __future__ import annotations

import pytest
from flask import Blueprint

from auth.resource import current_access, require_token

PROTECTED = "/_test/protected"


def _blueprint() -> Blueprint:
    bp = Blueprint("auth_test_protected", __name__)

    @bp.route(PROTECTED, methods=["GET", "POST"])
    @require_token("accounts")
    def accounts():
        access = current_access()
        return {"client_id": access.client_id, "client_name": access.client_name,
                "scope": sorted(access.scope), "roles": sorted(access.roles),
                "psu_id": access.psu_id, "consent_id": access.consent_id}

    @bp.get("/_test/cop")
    @require_token("payee-checks", roles=("COP",))
    def cop():
        return {"ok": True}

    @bp.get("/_test/psu-only")
    @require_token("accounts", psu=True)
    def psu_only():
        return {"psu_id": current_access().psu_id}

    @bp.get("/_test/status")
    @require_token("status", roles=("STATUS_ADMIN",))
    def status_admin():
        return {"ok": True}

    return bp


@pytest.fixture
def protected(app):
    app.register_blueprint(_blueprint())
    return PROTECTED
