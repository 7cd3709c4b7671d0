"""The settings table: an unset ISSUER follows where the server listens, and every malformed
setting is one SettingError naming the variable and the form it expects."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.app import create_app
from core.config import SettingError, listen_url, load_settings, server_url

ROOT = Path(__file__).resolve().parents[2]
KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


@pytest.fixture
def env(monkeypatch):
    for name in ("ISSUER", "PORT", "BIND"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_issuer_follows_port_when_unset(env):
    env.setenv("PORT", "18777")
    settings = load_settings()
    assert settings["BIND"] == "127.0.0.1:18777"
    assert settings["ISSUER"] == "http://127.0.0.1:18777"
    assert server_url() == "http://127.0.0.1:18777"


def test_issuer_follows_bind_and_a_wildcard_host_is_reached_on_loopback(env):
    env.setenv("BIND", "0.0.0.0:9100")
    assert load_settings()["ISSUER"] == "http://127.0.0.1:9100"
    env.setenv("BIND", "10.1.2.3:9101")
    assert load_settings()["ISSUER"] == "http://10.1.2.3:9101"


def test_an_explicit_issuer_wins_and_server_flag_wins_over_both(env):
    env.setenv("PORT", "9000")
    env.setenv("ISSUER", "https://api.example.com/")
    assert load_settings()["ISSUER"] == "https://api.example.com"
    assert server_url("http://127.0.0.1:1234/") == "http://127.0.0.1:1234"


def test_default_is_port_8000(env):
    assert load_settings()["ISSUER"] == "http://127.0.0.1:8000"


@pytest.fixture
def files_env(env):
    for name in ("INSTANCE_DIR", "DATABASE_URL", "SIGNING_KEYS_DIR"):
        env.delenv(name, raising=False)
    return env


def test_instance_dir_is_read_when_settings_are_loaded_not_at_import(files_env, tmp_path):
    files_env.setenv("INSTANCE_DIR", str(tmp_path / "here"))
    settings = load_settings()
    assert settings["INSTANCE_DIR"] == str(tmp_path / "here")
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path / 'here' / 'obhub.sqlite3'}"
    assert settings["SIGNING_KEYS_DIR"] == str(tmp_path / "here" / "keys")
    app = create_app({"INSTANCE_DIR": str(tmp_path / "there")})
    assert app.instance_path == str(tmp_path / "there") and (tmp_path / "there").is_dir()
    assert app.config["DATABASE_URL"].endswith(f"{tmp_path / 'there' / 'obhub.sqlite3'}")


def test_a_relative_instance_dir_is_made_absolute_and_explicit_paths_win(files_env, tmp_path):
    files_env.chdir(tmp_path)
    files_env.setenv("INSTANCE_DIR", "var/obhub")
    files_env.setenv("SIGNING_KEYS_DIR", "/etc/obhub/keys")
    settings = load_settings()
    assert settings["INSTANCE_DIR"] == str(tmp_path / "var" / "obhub")
    assert settings["SIGNING_KEYS_DIR"] == "/etc/obhub/keys"


@given(st.integers(min_value=1, max_value=65535),
       st.sampled_from(["127.0.0.1", "0.0.0.0", "localhost", "::", "192.0.2.7"]))
def test_listen_url_keeps_the_port_and_never_names_a_wildcard(port, host):
    url = listen_url(f"{host}:{port}")
    assert url.endswith(f":{port}")
    assert "0.0.0.0" not in url and "::" not in url


@pytest.mark.parametrize(("name", "value", "says"), [
    ("TOKEN_ENCRYPTION_KEYS", "abc", "kid:base64key"),
    ("TOKEN_ENCRYPTION_KEYS", "k1:" + base64.b64encode(b"short").decode(), "32-byte"),
    ("TOKEN_ENCRYPTION_KEYS", f"k1:{KEY},k1:{KEY}", "kid:base64key"),
    ("PORT", "eighty", "whole number"),
    ("PORT", "70000", "between 1 and 65535"),
    ("BIND", "localhost", "host:port"),
    ("ISSUER", "api.example.com", "http://"),
    ("DATABASE_URL", "mysql://x/y", "postgresql+psycopg://"),
    ("REDIS_URL", "localhost:6379", "redis://"),
    ("AGGREGATION_DEADLINE_SECONDS", "two", "a number"),
    ("RATELIMIT_ENABLED", "maybe", "true or false"),
    ("LOG_LEVEL", "loud", "one of DEBUG"),
    ("INSTANCE_DIR", "  ", "a directory path"),
    # a package's rows (aggregation's): counts and durations out of range stop the start too
    ("AGGREGATION_MAX_WORKERS", "0", "a whole number, 1 or more"),
    ("AGGREGATION_BREAKER_FAILURES", "-1", "a whole number, 1 or more"),
    ("AGGREGATION_CACHE_SECONDS", "-5", "a number, 0 or more"),
    ("AGGREGATION_TRANSACTIONS_PAGE_SIZE", "0", "a whole number, 1 or more"),
    ("AGGREGATION_TRANSACTIONS_DEADLINE_SECONDS", "0", "a number, 0.1 or more"),
])
def test_malformed_setting_names_variable_and_form(env, name, value, says):
    env.setenv(name, value)
    with pytest.raises(SettingError) as raised:
        load_settings(packages=["aggregation"])
    message = str(raised.value)
    assert message.startswith(f"{name} ")
    assert says in message


def test_the_smallest_values_in_range_are_taken(env):
    for name, value in (("AGGREGATION_MAX_WORKERS", "1"), ("AGGREGATION_CACHE_SECONDS", "0"),
                        ("AGGREGATION_TRANSACTIONS_DEADLINE_SECONDS", "0.1")):
        env.setenv(name, value)
    loaded = load_settings(packages=["aggregation"])
    assert (loaded["AGGREGATION_MAX_WORKERS"], loaded["AGGREGATION_CACHE_SECONDS"],
            loaded["AGGREGATION_TRANSACTIONS_DEADLINE_SECONDS"]) == (1, 0.0, 0.1)


def test_secret_values_are_never_echoed(env):
    env.setenv("TOKEN_ENCRYPTION_KEYS", "k1:not-a-secret-but-treated-as-one")
    with pytest.raises(SettingError) as raised:
        load_settings()
    assert "not-a-secret" not in str(raised.value)


def test_good_token_keys_pass(env):
    env.setenv("TOKEN_ENCRYPTION_KEYS", f"k2:{KEY}, k1:{KEY}")
    assert load_settings()["TOKEN_ENCRYPTION_KEYS"].startswith("k2:")


def _run(args, **env):
    clean = {k: v for k, v in os.environ.items()
             if k not in ("DATABASE_URL", "REDIS_URL", "ISSUER", "PORT", "BIND")}
    return subprocess.run(args, cwd=ROOT, env={**clean, **env}, capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize(("name", "value"), [
    ("TOKEN_ENCRYPTION_KEYS", "nonsense"),
    ("STATUS_PAGE_DAYS", "ninety"),
    ("ACCESS_TOKEN_LIFETIME", "9000"),
])
def test_flask_cli_prints_one_line_and_exits_non_zero(tmp_path, name, value):
    done = _run([sys.executable, "-m", "flask", "--app", "wsgi", "routes"],
                INSTANCE_DIR=str(tmp_path), **{name: value})
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {name} "), done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_gunicorn_refuses_a_malformed_setting_before_starting(tmp_path):
    done = _run([sys.executable, "-m", "gunicorn", "wsgi:app", "-c", "gunicorn.conf.py"],
                INSTANCE_DIR=str(tmp_path), PORT="not-a-port")
    assert done.returncode == 1
    assert done.stderr.strip() == "error: PORT is malformed ('not-a-port'): expected a whole " \
        "number"
