"""Core commands: `flask db …` (Alembic) and `flask demo load`."""

from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config
from flask import current_app
from flask.cli import AppGroup

from core.config import PROJECT_ROOT
from core.db import database_problem

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")
demo_cli = AppGroup("demo", help="Demo data for the embedded default.")


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(PROJECT_ROOT) / "migrations"))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def require_database() -> str:
    """The configured database URL, or a one-line ClickException (exit 1, no stack) saying
    why it cannot be used: a missing PostgreSQL database, a server that is down, …"""
    url = current_app.config["DATABASE_URL"]
    problem = database_problem(url)
    if problem:
        raise click.ClickException(problem)
    return url


def upgrade(database_url: str, revision: str = "heads") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)


@db_cli.command("upgrade")
@click.argument("revision", default="heads")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: every branch head)."""
    upgrade(require_database(), revision)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (default: one step)."""
    downgrade(require_database(), revision)
    click.echo(f"database at {revision}")


@db_cli.command("current")
def db_current() -> None:
    """Show the applied revision."""
    command.current(alembic_config(require_database()))


@demo_cli.command("load")
def demo_load() -> None:
    """Seed demo data (each part seeds only when it is empty) and print what a user needs."""
    if not current_app.config["DEMO_DATA"]:
        raise click.ClickException("DEMO_DATA is off for this deployment.")
    require_database()
    factory = current_app.extensions["session_factory"]
    for name, seeder in current_app.extensions["demo_seeders"]:
        with factory() as session:
            lines = seeder(current_app, session) or []
        for line in lines:
            click.echo(f"[{name}] {line}")


def init_app(app) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(demo_cli)
