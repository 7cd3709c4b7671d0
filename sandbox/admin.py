"""Admin calls of a sandbox bank (never faulted):

- `GET  /admin/faults`             the switches now
- `POST /admin/faults`             JSON object of switches to change (see faults.py)
- `POST /admin/faults/reset`       all switches off; hanging calls return at once
- `POST /admin/reset`              switches off and every consent, code and token forgotten
- `POST /admin/consents/<id>/revoke`  the PSU revokes one consent at the bank's own dashboard
"""

from __future__ import annotations

import hmac

from flask import Blueprint, jsonify, request

from sandbox.faults import FaultError
from sandbox.state import AUTHORISED, AWAITING, REVOKED_BY_PSU, BankState


def register(bp: Blueprint, state: BankState) -> None:
    @bp.before_request
    def guard():
        if not _is_admin() or not state.bank.admin_token:
            return None
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), state.bank.admin_token.encode()):
            return _error(401, "admin token required")
        return None

    @bp.get("/admin/faults")
    def admin_faults():
        return jsonify(state.faults.to_json())

    @bp.post("/admin/faults")
    def admin_set_faults():
        try:
            with state.lock:
                state.faults.update(request.get_json(silent=True))
        except FaultError as exc:
            return _error(400, str(exc))
        return jsonify(state.faults.to_json())

    @bp.post("/admin/faults/reset")
    def admin_reset_faults():
        state.reset_faults()
        return jsonify(state.faults.to_json())

    @bp.post("/admin/reset")
    def admin_reset():
        state.reset_faults()
        state.clear()
        return jsonify({"reset": True})

    @bp.post("/admin/consents/<consent_id>/revoke")
    def admin_revoke(consent_id: str):
        consent = state.consent(consent_id)
        if consent is None:
            return _error(404, "no such consent")
        if consent.status in (AWAITING, AUTHORISED):
            state.set_status(consent, REVOKED_BY_PSU)
        return jsonify({"consent_id": consent_id, "revoked": True})


def _is_admin() -> bool:
    return bool(request.url_rule and "/admin/" in request.url_rule.rule)


def _error(status: int, detail: str):
    response = jsonify({"error": detail})
    response.status_code = status
    return response
