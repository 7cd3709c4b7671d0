"""`flask --app wsgi sandbox …`: list the sandbox banks and their PSUs, run one alone, set a
running bank's fault switches."""

from __future__ import annotations

import json

import click
import httpx
from flask import Flask, current_app
from flask.cli import AppGroup
from werkzeug.serving import run_simple

from sandbox.bank import default_banks
from sandbox.mounting import mount
from sandbox.trust import configured_banks

sandbox_cli = AppGroup("sandbox", help="Sandbox banks: run one, list PSUs, set fault switches.")


@sandbox_cli.command("list")
def sandbox_list() -> None:
    """The sandbox banks and the PSUs holding accounts there."""
    for bank in default_banks():
        owners = sorted({a.owner for a in bank.accounts})
        click.echo(f"{bank.id:<12} {bank.standard:<17} {bank.name:<32} PSUs: {', '.join(owners)}")


@sandbox_cli.command("run")
@click.argument("bank_id")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=9001, show_default=True, type=int)
@click.option("--tls", is_flag=True, help="Serve HTTPS with a certificate from the sandbox CA "
              "(instance/sandbox-ca/ca.pem), asking for client certificates it issued; the "
              "service trusts that CA for sandbox URLs that start with https://.")
def sandbox_run(bank_id: str, host: str, port: int, tls: bool) -> None:
    """Serve one sandbox bank alone at http://HOST:PORT/sandbox/BANK_ID/ (fresh state). Point
    the registry at it with SANDBOX_BANK_URLS=BANK_ID=http://HOST:PORT/sandbox/BANK_ID."""
    trusted = current_app.extensions["sandbox_clients"]()
    banks = [b for b in configured_banks(current_app.config, trusted) if b.id == bank_id]
    if not banks:
        raise click.ClickException(f"no sandbox bank {bank_id!r}")
    app = Flask(f"sandbox_{bank_id}")
    mount(app, banks)
    context = current_app.extensions["sandbox_tls"](host) if tls else None
    scheme = "https" if tls else "http"
    click.echo(f"{banks[0].name}: {scheme}://{host}:{port}/sandbox/{bank_id}/")
    run_simple(host, port, app, threaded=True, ssl_context=context)


@sandbox_cli.command("faults")
@click.argument("bank_id")
@click.argument("switches", required=False)
@click.option("--reset", is_flag=True, help="Turn every switch off.")
@click.option("--server", "--url", "url", default=None,
              help="Base URL of the server (default: ISSUER, which follows PORT/BIND).")
def sandbox_faults(bank_id: str, switches: str | None, reset: bool, url: str | None) -> None:
    """Show or set a running sandbox bank's fault switches, e.g.
    `flask --app wsgi sandbox faults rheinfeld '{"latency_ms": 300}'`."""
    base = f"{(url or current_app.config['ISSUER']).rstrip('/')}/sandbox/{bank_id}/admin/faults"
    headers = {}
    token = current_app.config["SANDBOX_ADMIN_TOKEN"]
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        if reset:
            response = httpx.post(f"{base}/reset", headers=headers)
        elif switches:
            response = httpx.post(base, json=json.loads(switches), headers=headers)
        else:
            response = httpx.get(base, headers=headers)
    except (httpx.HTTPError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(response.json(), indent=2))
    if response.status_code >= 400:
        raise click.ClickException(f"HTTP {response.status_code}")


def init_app(app) -> None:
    app.cli.add_command(sandbox_cli)
