"""`flask psu export|erase <id or username>` (data-subject requests), `flask retention purge`, and
`flask access review` (the periodic review of who can reach what)."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from auth.psu import find_psu, get_psu
from privacy import bound, review
from privacy.subjects import UnknownPsu

psu_cli = AppGroup("psu", help="Data-subject requests of one PSU (access, erasure).")
retention_cli = AppGroup("retention", help="Retention of personal data.")
access_cli = AppGroup("access", help="Access reviews.")


def _session():
    return current_app.extensions["session_factory"]()


def _psu_id(given: str) -> str:
    """A customer's request names them by the username they sign in with; the records hold
    their internal id. Either is accepted, the id first (an erased PSU keeps only its id)."""
    with _session() as session:
        if get_psu(session, given) is None and (found := find_psu(session, given)):
            return found.id
    return given


def _unknown(given: str) -> None:
    click.echo(f"error: no PSU with id or username {given}.", err=True)
    sys.exit(1)


@psu_cli.command("export")
@click.argument("psu_id", metavar="PSU")
@click.option("--output", "-o", type=click.File("w"), default="-",
              help="Write the JSON document here (default: stdout).")
def export_cmd(psu_id: str, output) -> None:
    """Print everything held about PSU (id or username) as one JSON document
    (docs/psu-export.schema.json)."""
    try:
        with _session() as session:
            document = bound.export_psu(current_app, session, _psu_id(psu_id))
    except UnknownPsu:
        _unknown(psu_id)
    json.dump(document, output, indent=2, ensure_ascii=False)
    output.write("\n")


@psu_cli.command("erase")
@click.argument("psu_id", metavar="PSU")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_cmd(psu_id: str, yes: bool) -> None:
    """Erase PSU (id or username): end their consents at every bank, delete bank tokens and
    cached bank data, replace their personal data by keyed pseudonyms. Re-running finishes an
    erasure cut short; a finished one is reported as such."""
    psu_id = _psu_id(psu_id)
    if not yes:
        click.confirm(f"Erase PSU {psu_id}? This cannot be undone", abort=True)
    try:
        with _session() as session:
            result = bound.erase_psu(current_app, session, psu_id, requested_by="operator:cli")
    except UnknownPsu:
        _unknown(psu_id)
    if result.already_done:
        click.echo(f"already erased (erasure {result.erasure_id}, pseudonym {result.pseudonym})")
        return
    click.echo(f"erased: erasure {result.erasure_id}, pseudonym {result.pseudonym}")
    for step, changed in result.counts.items():
        click.echo(f"  {step}: {changed}")


@retention_cli.command("purge")
def purge_cmd() -> None:
    """Remove every record past its retention period (RETENTION_* settings), in batches."""
    report = bound.purge(current_app)
    for kind in sorted(report.removed):
        click.echo(f"{kind}: removed {report.removed[kind]} in {report.batches[kind]} batch(es)")
    click.echo(f"total removed {report.total}")


@access_cli.command("review")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text")
@click.option("--reviewer", default="operator", help="Who the review is for (stored with it).")
@click.option("--dry-run", is_flag=True, help="Do not store this review.")
def review_cmd(fmt: str, reviewer: str, dry_run: bool) -> None:
    """Every operator credential, TPP client and business user with roles, scopes, last use and
    certificate expiry; what changed since the last stored review; dormant access flagged."""
    with _session() as session:
        report = review.run(session, current_app.config, reviewer=reviewer, store=not dry_run)
    click.echo(review.render(report, fmt), nl=False)


def init_app(app) -> None:
    for group in (psu_cli, retention_cli, access_cli):
        app.cli.add_command(group)
