"""Alembic environment: the URL comes from the caller (core.cli) or DATABASE_URL."""

import importlib

from alembic import context
from sqlalchemy import pool

from core.app import FEATURE_PACKAGES
from core.config import load_settings
from core.db import Base, make_engine

importlib.import_module("core.models")
for package in FEATURE_PACKAGES:
    try:
        importlib.import_module(f"{package}.models")
    except ModuleNotFoundError as exc:
        if exc.name != f"{package}.models":
            raise

config = context.config
url = config.get_main_option("sqlalchemy.url") or load_settings()["DATABASE_URL"]
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite",
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
