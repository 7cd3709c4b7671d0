"""`flask --app wsgi banks …`: the bank registry."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from aggregation.registry import RegistryError

banks_cli = AppGroup("banks", help="The bank registry: banks we reach and how.")


@banks_cli.command("list")
def banks_list() -> None:
    """One line per bank: id, standard, country, name, API base URL."""
    for bank in current_app.extensions["banks"].all():
        click.echo(f"{bank.id:<12} {bank.standard:<17} {bank.country:<3} {bank.name:<32} "
                   f"{bank.api_url}")


@banks_cli.command("show")
@click.argument("bank_id")
def banks_show(bank_id: str) -> None:
    """A bank's registry entry as JSON (credential references, never secrets)."""
    try:
        bank = current_app.extensions["banks"].get(bank_id)
    except RegistryError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(bank.summary(), indent=2))


def init_app(app) -> None:
    app.cli.add_command(banks_cli)
