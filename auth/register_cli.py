"""`flask --app wsgi registers …`: import the regulators' registers, show what is at risk."""

from __future__ import annotations

import datetime as dt
import os
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from auth import identity, identity_webhook, register_formats, registers

registers_cli = AppGroup("registers", help="Regulator registers of PSD2 institutions (EBA, FCA).")


def _session():
    return current_app.extensions["session_factory"]()


@registers_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "kind", type=click.Choice(["auto", *register_formats.READERS]),
              default="auto", show_default=True,
              help="eba: the EBA PSD2 register (JSON, or its zip); fca: JSON Lines of FCA "
              "register firm and permission answers; fca-json: an FCA register answer or "
              "array of firms; fca-csv: a CSV extract of the FCA register")
def import_register(file, kind):
    """Import a register file; TPPs it withdraws are cut off at once. Safe to run again."""
    with open(file, "rb") as stream, _session() as session:
        kind = register_formats.detect(stream) if kind == "auto" else kind
        with click.progressbar(length=os.path.getsize(file), label=f"{kind} register",
                               file=sys.stderr) as bar:
            try:
                result = identity.import_entries(
                    session, register_formats.SOURCES[kind], os.path.basename(file),
                    register_formats.READERS[kind](stream, bar.update))
            except registers.RegisterFormatError as exc:
                raise click.ClickException(f"{file} is not a {kind} register file: {exc}"
                                           ) from exc
        delivered = identity_webhook.deliver(session, current_app.config["REGISTER_WEBHOOK_URL"])
    _settle_markers(bool(result.cut_off))
    click.echo(f"imported {result.entries} entries ({', '.join(result.authorities) or 'none'})"
               f"; cut off {len(result.cut_off)} TPP(s), reinstated {len(result.reinstated)}"
               f"; webhook events delivered {delivered}")
    for client_id in result.cut_off:
        _echo_row("cut off", client_id)


def _settle_markers(revoked: bool, timeout: float = 10.0) -> None:
    """This process's retry of a revocation marker Redis refused dies with it: wait for it."""
    server = current_app.extensions["auth"]
    if revoked and server.revocations.shared and not server.revocations.settle(timeout):
        click.echo(f"warning: Redis did not take the revocation markers within {timeout:g} s;"
                   " workers that reach Redis accept the cut-off TPPs' access tokens until "
                   "they expire (ACCESS_TOKEN_LIFETIME)", err=True)


UNVERIFIED = ("unverified: active TPPs that no register import has checked in the last 7 days "
              "(or whose authority no import covers) keep working unjudged; to fix, import "
              "their regulator's register: flask --app wsgi registers import FILE")


@registers_cli.command("status")
@click.option("--expiring-within", "days", type=click.IntRange(0, 3650), default=30,
              show_default=True, help="list QWACs that expire within this many days")
def status(days):
    """Last import of each register, and the TPPs at risk: cut off, not checked, or with a
    certificate about to expire."""
    with _session() as session:
        report = identity.register_status(session, expiring_within=dt.timedelta(days=days))
        if not report.last_imports:
            click.echo("no register imported yet")
        for run in report.last_imports:
            _echo_row("last import", run.source, run.finished_at.isoformat(),
                      f"{run.entries} entries", ",".join(run.authorities), run.file_name)
        for row in report.withdrawn:
            _echo_row("cut off", row.client_id, row.organization_identifier, row.status_reason)
        if report.unverified:
            click.echo(UNVERIFIED)
        for row in report.unverified:
            _echo_row("unverified", row.client_id, row.organization_identifier,
                      _why_unverified(row, report.covered))
        for row in report.expiring:
            _echo_row("certificate expiring", row.client_id, row.cert_subject,
                      f"serial {row.cert_serial}", f"not after {row.cert_not_after.isoformat()}")
        if current_app.config["REGISTER_WEBHOOK_URL"]:
            _echo_row("undelivered webhook events", report.undelivered_events)


def _echo_row(*columns) -> None:
    """One tab-separated line, so the report reads in a terminal and cuts with `cut -f`."""
    click.echo("\t".join(str(column) for column in columns))


def _why_unverified(row, covered: set[str]) -> str:
    authority = identity.authority_of(row)
    if authority not in covered:
        return f"no import covers {authority}"
    if row.register_checked_at is None:
        return "never checked against a register"
    return f"last checked {row.register_checked_at.isoformat()}"


def init_app(app) -> None:
    app.cli.add_command(registers_cli)
