"""The tests touch only explicit test targets (tests/targets.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests import targets
from tests.targets import TargetRefused, Targets, choose

ROOT = Path(__file__).resolve().parent.parent


def never(url: str) -> str:
    raise AssertionError("Redis must not be probed")


def test_nothing_named_means_temporary_sqlite_and_in_process_redis():
    assert choose({}, never) == Targets("", "")


def test_dedicated_test_urls_win_over_production_ones():
    env = {"DATABASE_URL": "postgresql+psycopg://app@db.internal/obhub",
           "REDIS_URL": "redis://cache.internal:6379/0",
           "TEST_DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1/ci",
           "TEST_REDIS_URL": "redis://127.0.0.1:6379/5"}
    assert choose(env, never) == Targets("postgresql+psycopg://postgres@127.0.0.1/ci",
                                         "redis://127.0.0.1:6379/5")


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://postgres@127.0.0.1:5432/obhub_test",
    "postgresql+psycopg://postgres@127.0.0.1:5432/TEST_h15a",
    "sqlite:////tmp/test.sqlite3",
])
def test_a_database_named_as_a_test_one_is_accepted(url):
    assert choose({"DATABASE_URL": url}, never).database_url == url


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://app@db.internal:5432/obhub",
    "sqlite:////srv/test-data/obhub.sqlite3",  # the folder's name does not count
    "sqlite:///instance/obhub.sqlite3",
])
def test_any_other_database_is_refused_with_how_to_fix(url):
    with pytest.raises(TargetRefused) as refused:
        choose({"DATABASE_URL": url}, never)
    assert "TEST_DATABASE_URL" in str(refused.value)
    assert "app@" not in str(refused.value)


@given(st.text(alphabet="abcdefghijklmnopqrsuvwxyz_0123456789", min_size=1, max_size=30))
def test_property_a_name_without_test_is_never_used(name):
    with pytest.raises(TargetRefused):
        choose({"DATABASE_URL": f"postgresql+psycopg://app@db:5432/{name}"}, never)
    marked = f"{name}_test"
    assert choose({"DATABASE_URL": f"postgresql+psycopg://app@db:5432/{marked}"},
                  never).database_url.endswith(marked)


@pytest.mark.parametrize(("state", "accepted"), [("empty", True), ("marked", True),
                                                 ("data", False)])
def test_redis_url_is_used_only_empty_or_marked(state, accepted):
    env = {"REDIS_URL": "redis://127.0.0.1:6379/0"}
    if accepted:
        assert choose(env, lambda url: state).redis_url == env["REDIS_URL"]
    else:
        with pytest.raises(TargetRefused) as refused:
            choose(env, lambda url: state)
        assert targets.MARKER_KEY in str(refused.value)
        assert "TEST_REDIS_URL" in str(refused.value)


def test_probe_reads_marker_and_data_without_writing():
    url = os.environ.get("REDIS_URL", "")
    if not url:
        pytest.skip("needs a real Redis (TEST_REDIS_URL)")
    client = targets._client(url)
    targets.flush(client)
    assert targets.probe_redis(url) == "marked"
    client.flushdb()
    assert targets.probe_redis(url) == "empty"
    client.set("someone:else", "1")
    assert targets.probe_redis(url) == "data"
    targets.flush(client)


def test_pytest_refuses_a_production_database_before_touching_it(tmp_path):
    """The whole suite, started in a shell that holds production-looking settings, stops at
    once with the one message and never opens the database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEST_")}
    env.update(DATABASE_URL="postgresql+psycopg://app@127.0.0.1:1/obhub", REDIS_URL="")
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "tests/test_targets.py", "-k", "nothing_named"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 4, done.stdout + done.stderr
    assert "refusing to run the tests against DATABASE_URL (database 'obhub')" in done.stderr
    assert "Traceback" not in done.stderr
