"""`flask consent sweep` (expire consents past ExpirationDateTime), `flask consent
flush-access-log` (chain the queued data-access events now) and `flask audit verify` (flush
that queue, then check every consent's hash chain; exit 1 on any fault)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from consent import access_log, audit, business_cli, revocation

consent_cli = AppGroup("consent", help="Account access consents.")
audit_cli = AppGroup("audit", help="The consent audit trail.")


@consent_cli.command("sweep")
def sweep() -> None:
    """Mark every live consent past its ExpirationDateTime EXPD (run it periodically)."""
    with current_app.extensions["session_factory"]() as session:
        expired = revocation.sweep(session, adapters=current_app.extensions["consent"])
    click.echo(f"expired {len(expired)} consent(s)")


@consent_cli.command("flush-access-log")
def flush_access_log() -> None:
    """Append every queued data-access event to its consent's hash chain now."""
    appended = access_log.for_app(current_app).flush()
    click.echo(f"appended {appended} access event(s)")


@audit_cli.command("verify")
def verify() -> None:
    """Chain the queued data-access events, then recompute every consent's hash chain; print
    each fault and exit 1 if there is one."""
    appended = access_log.for_app(current_app).flush()
    if appended:
        click.echo(f"appended {appended} queued access event(s) first")
    with current_app.extensions["session_factory"]() as session:  # reads only
        checked, faults = audit.verify_all(session)
    for fault in faults:
        click.echo(f"FAULT {fault}", err=True)
    click.echo(f"checked {checked} event(s): {'OK' if not faults else f'{len(faults)} fault(s)'}")
    if faults:
        raise SystemExit(1)


def init_app(app) -> None:
    app.cli.add_command(consent_cli)
    app.cli.add_command(audit_cli)
    business_cli.init_app(app)
