"""A database that cannot be used is one line naming why and the fix (core.db.describe_failure),
for an operator's terminal (`flask db upgrade`) and for /readyz."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url

from core.db import describe_failure


def test_missing_postgres_database_is_named_with_how_to_create_it():
    error = psycopg.OperationalError(
        'connection failed: FATAL:  database "ledger" does not exist')
    line = describe_failure("postgresql+psycopg://app:secret@db.internal:5433/ledger", error)
    assert "'ledger' does not exist on db.internal:5433" in line
    assert "createdb -h db.internal -p 5433 -U app ledger" in line
    assert "secret" not in line and "\n" not in line


def test_refused_connection_says_start_it_or_fix_the_url():
    line = describe_failure("postgresql+psycopg://app@127.0.0.1:1/x",
                            OSError("connection failed: Connection refused"))
    assert line == ("PostgreSQL at 127.0.0.1:1 is not reachable (connection refused); start it "
                    "or fix DATABASE_URL")


def test_db_upgrade_against_a_missing_database_is_one_line(tmp_path):
    """Against the PostgreSQL server the suite uses, when it uses one: a database name that
    does not exist there gets the one line, exit 1, no stack."""
    url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL") or ""
    if not url.startswith("postgresql"):
        pytest.skip("needs a PostgreSQL server (TEST_DATABASE_URL)")
    missing = make_url(url).set(database="obhub_no_such_database")
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "TEST_DATABASE_URL")}
    env.update(DATABASE_URL=missing.render_as_string(hide_password=False),
               INSTANCE_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
                          env=env, capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 1
    assert done.stderr.strip().startswith(
        "Error: PostgreSQL database 'obhub_no_such_database' does not exist")
    assert "createdb" in done.stderr and "Traceback" not in done.stderr
