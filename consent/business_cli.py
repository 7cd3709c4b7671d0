"""`flask business create|add-user|remove-user`: business customers and who acts for them."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from auth.psu import find_psu
from consent import business_service
from consent.business import Role
from consent.errors import ConsentNotFound

business_cli = AppGroup("business", help="Business customers and their users' roles.")


def _session():
    return current_app.extensions["session_factory"]()


def _user_id(session, username: str) -> str:
    psu = find_psu(session, username)
    if psu is None:
        click.echo(f"error: no PSU with username {username!r}", err=True)
        sys.exit(1)
    return psu.id


@business_cli.command("create")
@click.argument("name")
def create(name: str) -> None:
    """Create a business customer; print its id."""
    with _session() as session:
        click.echo(business_service.create_business(session, name))


@business_cli.command("add-user")
@click.argument("business_id")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--max-consent-days", type=click.IntRange(min=1), default=None,
              help="Longest consent this user may grant for the business (administrators).")
def add_user(business_id: str, username: str, role: str, max_consent_days: int | None) -> None:
    """Let USERNAME act for BUSINESS_ID in ROLE (or change their role)."""
    with _session() as session:
        try:
            business_service.set_member(session, business_id, _user_id(session, username), role,
                                        max_consent_days)
        except ConsentNotFound:
            click.echo(f"error: no business {business_id}", err=True)
            sys.exit(1)
    click.echo(f"{username} acts for {business_id} as {role}")


@business_cli.command("remove-user")
@click.argument("business_id")
@click.argument("username")
def remove_user(business_id: str, username: str) -> None:
    """Stop USERNAME acting for BUSINESS_ID."""
    with _session() as session:
        removed = business_service.remove_member(session, business_id,
                                                 _user_id(session, username))
    click.echo("removed" if removed else "was not a member")


def init_app(app) -> None:
    app.cli.add_command(business_cli)
