"""Liveness, readiness and metrics endpoints."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, current_app
from flask_smorest import Blueprint
from sqlalchemy import text

from core.db import describe_failure
from core.errors import ServiceUnavailable

blp = Blueprint("health", __name__, description="Liveness, readiness and metrics")


class HealthSchema(ma.Schema):
    status = ma.fields.String(metadata={"example": "ok"})
    checks = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.String(),
        metadata={"description": "State of each dependency: `ok` or why it is unreachable"},
    )


def check_dependencies(app) -> dict[str, str]:
    """Return {"database": "ok"|reason, "redis": "ok"|reason}."""
    results: dict[str, str] = {}
    try:
        with app.extensions["engine"].connect() as conn:
            conn.execute(text("SELECT 1"))
        results["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        results["database"] = f"unreachable: {describe_failure(app.config['DATABASE_URL'], exc)}"
    try:
        app.extensions["redis"].ping()
        results["redis"] = "ok"
    except Exception as exc:  # noqa: BLE001
        results["redis"] = f"unreachable: {type(exc).__name__}: {_first_line(exc)}"
    return results


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else "no detail"


@blp.get("/healthz")
@blp.response(200, HealthSchema)
def healthz():
    """The process is alive and answering."""
    return {"status": "ok"}


@blp.get("/readyz")
@blp.response(200, HealthSchema)
@blp.alt_response(503, response="SERVICE_UNAVAILABLE",
                  description="A dependency is down; the problem's `checks` names it")
def readyz():
    """The database and Redis answer; otherwise 503 naming what is down."""
    checks = check_dependencies(current_app)
    down = sorted(name for name, state in checks.items() if state != "ok")
    if down:
        raise ServiceUnavailable(
            "Not ready: " + "; ".join(f"{name} {checks[name]}" for name in down),
            headers={"Retry-After": "5"},
            checks=checks,
        )
    return {"status": "ok", "checks": checks}


@blp.get("/metrics")
@blp.doc(responses={200: {"description": "Prometheus text exposition format",
                          "content": {"text/plain": {"schema": {"type": "string"}}}}})
def metrics():
    """Prometheus metrics: requests by endpoint and status, latency histogram."""
    body, content_type = current_app.extensions["metrics"].render()
    return Response(body, content_type=content_type)
