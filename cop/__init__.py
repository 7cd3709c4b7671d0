"""Payee checks: UK Confirmation of Payee and EU Verification of Payee against a directory of
account holders kept by participating banks, with one name matcher for both schemes."""

from __future__ import annotations

import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from core.config import parse_setting

DEFAULTS = {
    "COP_RATE_LIMIT": "6000/minute",  # single checks per TPP
    "COP_BULK_RATE_LIMIT": "30/minute",  # bulk requests per TPP
    "COP_DISCLOSURE_LIMIT": "20000/hour",  # answers that disclose a holder's name, per TPP
    "COP_BULK_SYNC_MAX": 10_000,  # items answered in the response; more become a job
    "COP_BULK_MAX": 100_000,  # items accepted in one batch at all
    "COP_TIMESTAMP_SKEW_SECONDS": 300,  # X-Request-Timestamp tolerance (EU VoP)
    "COP_JOBS_INLINE": False,  # run bulk jobs in the request (tests) instead of a thread
    # a bulk job whose worker gave no sign of life for this long is run again when polled
    "COP_BULK_JOB_LEASE_SECONDS": 60,
    # UK CoP message signing (x-jws-signature): the iss and tan of our answers' signatures
    # (empty: the ISSUER URL and its host name), the tan values accepted on requests besides
    # our own, and how old a request's signature may be
    "COP_JWS_ISS": "",
    "COP_JWS_TAN": "",
    "COP_JWS_TRUST_ANCHORS": "openbanking.org.uk",
    "COP_JWS_MAX_AGE_SECONDS": 300,
}


def _setting(app, name: str):
    value = os.environ.get(name)
    default = DEFAULTS[name]
    if value in (None, ""):
        return default
    if isinstance(default, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return parse_setting(name, value, type(default))


def init_app(app, api) -> None:
    from cop import api as cop_api
    from cop import cli, demo, participants
    from cop.limits import disclosure_gate
    from cop.service import CopAdapters

    for name in DEFAULTS:
        app.config.setdefault(name, _setting(app, name))
    inline = app.config["COP_JOBS_INLINE"] or app.config.get("TESTING", False)
    app.extensions["cop"] = CopAdapters(
        audit_key=_audit_key(app),
        disclosure_gate=disclosure_gate(app),
        run_in_background=(lambda work: work()) if inline else _background(app),
        job_lease_seconds=app.config["COP_BULK_JOB_LEASE_SECONDS"],
    )
    app.extensions["cop_participants"] = participants.Register(
        app.extensions["session_factory"])
    for blueprint in (cop_api.uk, cop_api.eu, cop_api.dirs):
        api.register_blueprint(blueprint)
    cli.init_app(app)
    app.extensions["demo_seeders"].append(("cop", demo.seed_directory))


def _audit_key(app) -> bytes:
    """AUDIT_HASH_KEY, or a key kept in the instance folder so hashes stay comparable."""
    configured = app.config.get("AUDIT_HASH_KEY") or ""
    if configured:
        return configured.encode("utf-8")
    if app.config.get("TESTING"):
        return secrets.token_bytes(32)
    path = Path(app.instance_path) / "cop_audit.key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
    return path.read_bytes()


def _background(app):
    """One worker thread per process for bulk jobs; a job row records how it ended."""
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cop-bulk")
    app.extensions["cop_executor"] = executor

    def submit(work) -> None:
        executor.submit(_logged, work)

    return submit


def _logged(work) -> None:
    from core.logging import get_logger

    try:
        work()
    except Exception as exc:  # noqa: BLE001 - the job row already says "failed"
        get_logger("cop.jobs").error("bulk_job_failed", error_type=type(exc).__name__)
