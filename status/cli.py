"""`flask --app wsgi status …`: the operator's commands, and the worker (`deliver`)."""

from __future__ import annotations

import datetime as dt
import getpass
import json
import time

import click
from flask import current_app
from flask.cli import AppGroup

from core import timespec
from core.errors import Problem
from status import delivery, service
from status.representation import webhook_notice

status_cli = AppGroup("status", help="Downtime notices, the status page and webhooks.")
TARGETS = {"start": "in_progress", "complete": "completed", "cancel": "cancelled"}


def runtime():
    return current_app.extensions["status"]


def actor() -> str:
    return f"cli:{getpass.getuser()}"


def when(value: str | None) -> dt.datetime | None:
    """An ISO 8601 time (UTC when it has no offset), `now`, or relative to now (`+2h`,
    `-30m`, `+PT2H`): documented commands then work on any day."""
    if value is None:
        return None
    try:
        return timespec.parse_time(value, runtime().now())
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def window(starts_at: str | None, ends_at: str | None, duration: str | None,
           *, start_default_now: bool) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(start, end) from --start and either --end or --duration (which counts from the start)."""
    if ends_at is not None and duration is not None:
        raise click.UsageError("give --end or --duration, not both")
    start = when(starts_at) or (runtime().now() if start_default_now else None)
    if duration is None:
        return start, when(ends_at)
    try:
        return start, start + timespec.parse_duration(duration)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--duration'") from exc


def run(action):
    """Run a service call; print the notice as JSON, or the problem and exit 1."""
    try:
        with current_app.extensions["session_factory"]() as session:
            notice = action(session)
            click.echo(json.dumps(webhook_notice(notice, runtime().base_url)["notice"],
                                  indent=2))
    except Problem as problem:
        click.echo(json.dumps(problem.to_dict(), indent=2), err=True)
        raise SystemExit(1) from problem


TARGET_OPTIONS = [
    click.option("--component", "components", multiple=True,
                 help="auth, accounts or payee-checks (repeatable)"),
    click.option("--bank", "banks", multiple=True, help="Bank id (repeatable)"),
]


def targets(f):
    for option in reversed(TARGET_OPTIONS):
        f = option(f)
    return f


@status_cli.command("schedule")
@click.option("--title", required=True)
@click.option("--body", default="", help="Public text")
@click.option("--severity", type=click.Choice(["minor", "major", "critical"]),
              default="critical", show_default=True)
@click.option("--start", "starts_at", required=True,
              help="When it starts: +2h (from now), or ISO 8601 (UTC if no offset)")
@click.option("--end", "ends_at", default=None,
              help="When it ends: +4h (from now), or ISO 8601; or give --duration")
@click.option("--duration", default=None, help="How long from --start: 2h, 90m, PT2H, …")
@targets
def schedule(title, body, severity, starts_at, ends_at, duration, components, banks):
    """Announce planned maintenance, e.g. --start +2h --duration 2h."""
    if ends_at is None and duration is None:
        raise click.UsageError("give --end or --duration (e.g. --start +2h --duration 2h)")
    start, end = window(starts_at, ends_at, duration, start_default_now=False)
    data = service.NoticeInput("planned", title, severity, components, banks, body, start, end)
    run(lambda s: service.create_notice(runtime(), s, data, actor=actor()))


@status_cli.command("incident")
@click.option("--title", required=True)
@click.option("--body", default="")
@click.option("--severity", type=click.Choice(["minor", "major", "critical"]),
              default="major", show_default=True)
@click.option("--start", "starts_at", default=None,
              help="Default now; -30m (ago) or ISO 8601")
@click.option("--end", "ends_at", default=None, help="Estimated end: +1h or ISO 8601")
@click.option("--duration", default=None, help="Estimated length from --start: 1h, PT45M, …")
@targets
def incident(title, body, severity, starts_at, ends_at, duration, components, banks):
    """Report an unplanned incident (in progress at once)."""
    start, end = window(starts_at, ends_at, duration, start_default_now=duration is not None)
    data = service.NoticeInput("unplanned", title, severity, components, banks, body, start,
                               end)
    run(lambda s: service.create_notice(runtime(), s, data, actor=actor()))


def _status_command(name: str, target: str):
    @click.argument("notice_id")
    @click.option("--message", default=None, help="Timeline text")
    def command(notice_id, message):
        run(lambda s: service.change_status(runtime(), s, notice_id, target, actor=actor(),
                                            message=message))

    command.__doc__ = {"start": "Mark a notice started.", "complete": "Mark a notice completed.",
                       "cancel": "Cancel planned work before it starts."}[name]
    status_cli.command(name)(command)


for _name, _target in TARGETS.items():
    _status_command(_name, _target)


@status_cli.command("update")
@click.argument("notice_id")
@click.option("--message", required=True, help="Timeline text")
@click.option("--severity", type=click.Choice(["minor", "major", "critical"]), default=None)
def update(notice_id, message, severity):
    """Post an update to a notice's timeline."""
    run(lambda s: service.add_update(runtime(), s, notice_id, message, actor=actor(),
                                     severity=severity))


@status_cli.command("list")
@click.option("--all", "everything", is_flag=True, help="Include closed notices")
def list_(everything):
    """List open notices (or all with --all), newest first."""
    with current_app.extensions["session_factory"]() as session:
        items = (service.list_notices(session, page_size=100)[0] if everything
                 else list(reversed(service.open_notices(session))))
        for n in items:
            affected = ",".join(n.components + [f"bank:{b}" for b in n.banks])
            click.echo(f"{n.id}  {n.kind:9}  {n.status:11}  {n.severity:8}  "
                       f"{n.starts_at:%Y-%m-%dT%H:%MZ}  {affected}  {n.title}")


@status_cli.command("deliver")
@click.option("--once", is_flag=True, help="One pass, then exit")
@click.option("--interval", type=float, default=None, help="Seconds between passes")
def deliver(once, interval):
    """The worker: send due webhooks (with retries), start due maintenance, roll up figures."""
    rt = runtime()
    pause = interval if interval is not None else rt.settings.worker_interval
    while True:
        counts = delivery.run_once(rt)
        if once or any(counts.values()):
            click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))
        if once:
            return
        time.sleep(pause)


def init_app(app) -> None:
    app.cli.add_command(status_cli)
