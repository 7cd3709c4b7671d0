"""Migrations upgrade and downgrade cleanly, and match the models."""

from __future__ import annotations

import importlib
import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, make_url, text

from core import cli
from core.app import FEATURE_PACKAGES
from core.db import Base


def _scratch_url(tmp_path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgresql"):
        # named after the test database, so it is a test one too and each test database on a
        # shared server gets its own scratch database
        scratch = f"{make_url(url).database}_migrations"
        admin = create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}"'))
            conn.execute(text(f'CREATE DATABASE "{scratch}"'))
        admin.dispose()
        return make_url(url).set(database=scratch).render_as_string(hide_password=False)
    return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


@pytest.fixture
def scratch_url(tmp_path):
    return _scratch_url(tmp_path)


def _import_models():
    importlib.import_module("core.models")
    for package in FEATURE_PACKAGES:
        try:
            importlib.import_module(f"{package}.models")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.models":
                raise


def test_upgrade_downgrade_upgrade(scratch_url):
    cli.upgrade(scratch_url)
    engine = create_engine(scratch_url)
    assert "idempotency_keys" in inspect(engine).get_table_names()
    cli.downgrade(scratch_url, "base")
    remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    cli.upgrade(scratch_url)
    engine.dispose()


def test_models_match_migrations(database_url):
    _import_models()
    engine = create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
