"""Payee checks: UK Confirmation of Payee and EU Verification of Payee against a directory of
account holders kept by participating banks, with one name matcher for both schemes."""

from __future__ import annotations

import os
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cop import api as uk_api
from cop import cli, demo, directory_api, participants, vop_api
from cop.limits import disclosure_gate
from cop.matcher_pool import MatcherPool
from cop.personal_data import PayeeChecks
from cop.service import CopAdapters
from cop.web import WebSettings
from core.logging import get_logger
from core.personal_data import register
from core.warm import add_warmer


def init_app(app, api) -> None:
    """Wire the payee checks into the app, from its already parsed settings (cop/settings.py)."""
    inline = app.config["COP_JOBS_INLINE"] or app.config.get("TESTING", False)
    processes = 0 if app.config.get("TESTING") else app.config["COP_MATCH_PROCESSES"]
    matcher_pool = MatcherPool(processes)
    add_warmer(app, matcher_pool.start)
    app.extensions["cop"] = CopAdapters(
        audit_key=_audit_key(app),
        disclosure_gate=disclosure_gate(app),
        decide_all=matcher_pool,
        run_in_background=(lambda work: work()) if inline else _background(app),
        job_lease_seconds=app.config["COP_BULK_JOB_LEASE_SECONDS"],
    )
    app.extensions["cop_web"] = WebSettings.from_config(app.config)
    app.extensions["cop_participants"] = participants.Register(
        app.extensions["session_factory"])
    for blueprint in (uk_api.uk, vop_api.eu, directory_api.dirs):
        api.register_blueprint(blueprint)
    cli.init_app(app)
    app.extensions["demo_seeders"].append(("cop", demo.seed_directory))
    register(app, PayeeChecks(app.extensions["cop"].audit_key))


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
    try:
        work()
    except Exception as exc:  # noqa: BLE001 - the job row already says "failed"
        get_logger("cop.jobs").error("bulk_job_failed", error_type=type(exc).__name__)
