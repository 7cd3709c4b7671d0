"""`flask cop …`: load a bank's accounts from a file, register banks and requesting PSPs,
evaluate the matcher.

Output never contains a holder's name or an account number: rejected rows are reported by
line number and reason only.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections import Counter
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from auth import registry
from cop import directory, participants, records
from cop.evaluation import OUTCOMES, CaseError, evaluate, parse_case

cop_cli = AppGroup("cop", help="Payee checks: directory import, banks, requesting PSPs, "
                               "matcher evaluation.")


def _rows(handle, fmt: str, bar, summary: directory.UpsertSummary):
    """Yield (line number, AccountInput), recording refused lines in `summary`."""
    if fmt == "csv":
        header = handle.readline()
        bar.update(len(header.encode("utf-8")))
        columns = [c.strip() for c in next(csv.reader([header.lstrip("\ufeff")]), [])]
        problem = records.csv_header_problem(columns)
        if problem:
            raise click.ClickException(problem)
    for number, line in enumerate(handle, start=2 if fmt == "csv" else 1):
        bar.update(len(line.encode("utf-8")))
        if not line.strip():
            continue
        try:
            if fmt == "csv":
                raw = dict(zip(columns, next(csv.reader([line])), strict=False))
            else:
                raw = json.loads(line)
                if not isinstance(raw, dict):
                    raise records.RowError("a line must be one JSON object")
            yield number, records.parse_account(raw)
        except json.JSONDecodeError:
            summary.rejected.append((number, "not valid JSON"))
        except (records.RowError, csv.Error) as exc:
            summary.rejected.append((number, str(exc)))


@cop_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--bank", "bic", required=True, help="BIC of the participating bank")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None,
              help="Default: from the content (a JSON object per line, or a CSV header)")
def import_accounts(file: Path, bic: str, fmt: str | None) -> None:
    """Create or update the bank's accounts from a CSV or JSON-lines FILE, streamed. Exits 1
    when any row was rejected (the others are kept), so a script notices."""
    fmt = fmt or _sniff(file)
    summary = directory.UpsertSummary()
    factory = current_app.extensions["session_factory"]
    with factory() as session, open(file, encoding="utf-8", newline="") as handle:
        if directory.bank_by_bic(session, bic) is None:
            raise click.ClickException(f"no participating bank with BIC {bic}; "
                                       "add it with `flask cop bank add`")
        with click.progressbar(length=file.stat().st_size, label="importing",
                               file=sys.stderr) as bar:
            directory.upsert_accounts(session, None, _rows(handle, fmt, bar, summary),
                                      bank_bic=bic, summary=summary)
    click.echo(f"created {summary.created}, updated {summary.updated}, "
               f"rejected {len(summary.rejected)}")
    reasons = Counter(reason for _, reason in summary.rejected)
    for reason, count in reasons.most_common():
        lines = [str(n) for n, r in sorted(summary.rejected) if r == reason]
        shown = ", ".join(lines[:10]) + (" …" if len(lines) > 10 else "")
        click.echo(f"  {count} × {reason} (lines {shown})")
    if summary.rejected:
        raise SystemExit(1)


def _sniff(file: Path) -> str:
    with open(file, encoding="utf-8", errors="replace") as handle:
        first = next((line for line in handle if line.strip()), "")
    fmt = records.sniff_format(first)
    if fmt is None and first:
        raise click.ClickException(
            f"cannot tell the format of {file.name}: its first line is neither a JSON object "
            "nor a CSV header naming import columns; fix the file or pass --format csv|jsonl")
    return fmt or "jsonl"


@cop_cli.group("bank")
def bank_cli() -> None:
    """Participating banks."""


@bank_cli.command("add")
@click.argument("name")
@click.argument("bic")
@click.option("--owner", "owner", default=None, help="client_id of the bank's ASPSP client")
@click.option("--sort-codes", "ranges", default="", help="e.g. 040004-040099,401000-401999")
def add_bank(name: str, bic: str, owner: str | None, ranges: str) -> None:
    """Register (or update) a participating bank and the sort codes it answers for."""
    pairs = []
    for part in filter(None, (p.strip() for p in ranges.split(","))):
        first, _, last = part.partition("-")
        pairs.append((first, last or first))
    factory = current_app.extensions["session_factory"]
    with factory() as session:
        try:
            bank = directory.register_bank(session, name=name, bic=bic, owner_client_id=owner,
                                           sort_code_ranges=pairs)
        except records.RowError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"bank {bank.bic} ({bank.name}) registered")


@cop_cli.group("participant")
def participant_cli() -> None:
    """Requesting PSPs: the BICs each TPP client may send as EU VoP requestingAgent."""


@participant_cli.command("add")
@click.argument("bic")
@click.argument("client_id")
@click.option("--replace", is_flag=True, help="move the BIC from the client that holds it")
def add_participant(bic: str, client_id: str, replace: bool) -> None:
    """Let CLIENT_ID send BIC as requestingAgent (a BIC8 stands for its BIC11 `…XXX`)."""
    factory = current_app.extensions["session_factory"]
    with factory() as session:
        client = registry.get_client(session, client_id)
        roles = set(client.roles or []) if client is not None else set()
        if client is None:
            raise click.ClickException(f"no TPP client {client_id!r} (see `tpp list`)")
        if "COP" not in roles:
            raise click.ClickException(f"client {client_id!r} does not have the role COP")
        try:
            bic = participants.register(session, bic, client_id, replace=replace)
        except participants.ParticipantError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(f"{bic} -> {client_id}")


@participant_cli.command("remove")
@click.argument("bic")
def remove_participant(bic: str) -> None:
    """Withdraw a BIC: requests naming it are then refused with CLIENT_INVALID."""
    factory = current_app.extensions["session_factory"]
    with factory() as session:
        try:
            removed = participants.remove(session, bic)
        except participants.ParticipantError as exc:
            raise click.ClickException(str(exc)) from exc
    if not removed:
        raise click.ClickException(f"{bic} is not registered")
    click.echo(f"{bic} removed")


@participant_cli.command("list")
def list_participants() -> None:
    """Every registered BIC and its client."""
    factory = current_app.extensions["session_factory"]
    with factory() as session:
        for bic, client_id in participants.listing(session):
            click.echo(f"{bic} {client_id}")


@cop_cli.command("evaluate")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON line per case on stdout")
def evaluate_file(file: Path, as_json: bool) -> None:
    """Run the matcher over labelled cases (JSON lines) and report how it agrees."""
    cases = []
    with open(file, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                cases.append(parse_case(json.loads(line)))
            except (json.JSONDecodeError, CaseError) as exc:
                raise click.ClickException(f"line {number}: {exc}") from exc
    report = evaluate(cases)
    if as_json:
        for row in report.rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        click.echo(_summary_text(report), err=True)
        return
    click.echo(_summary_text(report))
    if report.wrong:
        click.echo("wrong cases (id: expected -> outcome, rule):")
        for row in report.wrong:
            click.echo(f"  {row['id']}: {row['expected']} -> {row['outcome']}, {row['rule']}")


def _summary_text(report) -> str:
    out = io.StringIO()
    width = max(len(o) for o in OUTCOMES) + 2
    out.write("expected \\ outcome".ljust(20) + "".join(o.rjust(width) for o in OUTCOMES) + "\n")
    for expected in OUTCOMES:
        row = report.confusion[expected]
        out.write(expected.ljust(20) + "".join(str(row[o]).rjust(width) for o in OUTCOMES)
                  + "\n")
    out.write(f"accuracy {report.accuracy:.2%} ({report.correct}/{report.total}); "
              f"MATCH for NO_MATCH: {report.match_for_no_match}; "
              f"CLOSE_MATCH for NO_MATCH: {report.close_rate_for_no_match:.2%}")
    for category, figures in sorted(report.categories.items()):
        out.write(f"\n  {category}: {figures['correct']}/{figures['total']}")
    return out.getvalue()


def init_app(app) -> None:
    app.cli.add_command(cop_cli)
