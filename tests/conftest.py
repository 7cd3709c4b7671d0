"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when a test database is
named), Redis (in-process by default, real when a test Redis is named), and a fresh app per
test. Which database and Redis count as test targets is decided once, before anything is
touched, by tests/targets.py; anything else stops the run with one message.

Each test starts from empty tables and an empty Redis database: tables are emptied after every
test rather than rolled back, because API tests commit through the app and concurrency tests
commit from several threads.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis
from hypothesis import settings
from sqlalchemy import create_engine, inspect, text

from auth.eidas_ca import SandboxCa
from core import cli
from core.app import create_app
from tests import targets

FIXTURES = Path(__file__).parent / "fixtures"
pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}" for path in FIXTURES.glob("*.py") if path.stem != "__init__"
)

# Property tests judge correctness, not speed (bench/ does that): on a shared, loaded machine a
# first call that loads a table can pass Hypothesis' 200 ms per-example deadline.
settings.register_profile("shared-machine", deadline=None)
settings.load_profile("shared-machine")


def pytest_configure(config) -> None:
    """Vet the storage the environment names, then make DATABASE_URL/REDIS_URL name only the
    vetted targets, so every test, fixture and child process sees nothing else."""
    try:
        chosen = targets.choose(os.environ, targets.probe_redis)
    except targets.TargetRefused as exc:
        raise pytest.UsageError(str(exc)) from None
    for name, value in (("DATABASE_URL", chosen.database_url), ("REDIS_URL", chosen.redis_url)):
        if value:
            os.environ[name] = value
        else:
            os.environ.pop(name, None)
    if chosen.redis_url:
        targets.mark(redis.Redis.from_url(chosen.redis_url))


def reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        reset_postgres(url) if url.startswith("postgresql") else None
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    cli.upgrade(url)
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    return os.environ.get("REDIS_URL", "")


def empty_tables(engine) -> None:
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    if not tables:
        return
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            conn.execute(text("PRAGMA foreign_keys=ON"))


@pytest.fixture
def app_settings(database_url, redis_url) -> dict:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture(scope="session")
def signing_keys_dir(tmp_path_factory) -> str:
    """One set of server signing keys for the run: generating RSA keys per test is slow."""
    return str(tmp_path_factory.mktemp("signing-keys"))


@pytest.fixture
def app(database_url, redis_url, app_settings, signing_keys_dir):
    settings = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ISSUER": "http://localhost",
        "SIGNING_KEYS_DIR": signing_keys_dir,
        "TESTING": True,
        **app_settings,
    }
    application = create_app(settings)
    yield application
    engine = application.extensions["engine"]
    empty_tables(engine)
    engine.dispose()
    if redis_url:
        targets.flush(redis.Redis.from_url(redis_url))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def session(app):
    """A database session for service-level tests; services own their transactions."""
    with app.extensions["session_factory"]() as db:
        yield db


@pytest.fixture(scope="module")
def qtsp():
    """A test qualified trust service provider (a CA issuing QWACs and QSealCs), per module."""
    return SandboxCa.create("Test QTSP")
