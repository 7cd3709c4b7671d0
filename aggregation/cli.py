"""`flask --app wsgi banks …`: the bank registry, and the erasure of stored transactions."""

from __future__ import annotations

import json

import click
from flask import current_app
from flask.cli import AppGroup

from aggregation.registry import RegistryError
from aggregation.txn_service import erase_ended

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


@banks_cli.command("erase-ended-transactions")
def erase_ended_transactions() -> None:
    """Erase the stored transactions of every consent that no longer grants access (run it
    periodically, after `flask consent sweep`); each erasure is audited on the consent."""
    with current_app.extensions["session_factory"]() as session:
        erased = erase_ended(session, current_app.extensions["transactions"])
    click.echo(f"erased the transactions of {len(erased)} consent(s), "
               f"{sum(erased.values())} transaction(s)")


def init_app(app) -> None:
    app.cli.add_command(banks_cli)
