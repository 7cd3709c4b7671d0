"""The payee checks' rows of the settings table: parsed once, a bad value named with the form
it expects, every row documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cop.settings import SETTINGS
from core.config import SettingError, load_settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "payee-checks.md"


@pytest.fixture
def env(monkeypatch):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_defaults_arrive_typed(env):
    settings = load_settings(packages=["cop"])
    assert settings["COP_RATE_LIMIT"] == "6000/minute"
    assert settings["COP_BULK_SYNC_MAX"] == 10_000
    assert settings["COP_JOBS_INLINE"] is False


@pytest.mark.parametrize(("name", "value", "parsed"), [
    ("COP_RATE_LIMIT", " 100 per 10 seconds ", "100 per 10 seconds"),
    ("COP_DISCLOSURE_LIMIT", "5/hour", "5/hour"),
    ("COP_JOBS_INLINE", "false", False),
    ("COP_JOBS_INLINE", "yes", True),
    ("COP_BULK_MAX", "0", 0),
])
def test_values_from_the_environment_are_parsed(env, name, value, parsed):
    env.setenv(name, value)
    assert load_settings(packages=["cop"])[name] == parsed


@pytest.mark.parametrize(("name", "value", "says"), [
    ("COP_RATE_LIMIT", "6000", "a count per period"),
    ("COP_RATE_LIMIT", "6000/fortnight", "a count per period"),
    ("COP_BULK_RATE_LIMIT", "30/minute;1000/day", "a count per period"),
    ("COP_DISCLOSURE_LIMIT", "lots", "a count per period"),
    ("COP_BULK_SYNC_MAX", "ten thousand", "a whole number"),
    ("COP_BULK_JOB_LEASE_SECONDS", "-5", "0 or more"),
    ("COP_JOBS_INLINE", "sometimes", "true or false"),
])
def test_a_malformed_value_names_the_variable_and_the_form(env, name, value, says):
    env.setenv(name, value)
    with pytest.raises(SettingError) as raised:
        load_settings(packages=["cop"])
    assert str(raised.value).startswith(f"{name} ") and says in str(raised.value)


def test_every_row_is_in_the_documents_settings_table():
    table = DOC.read_text(encoding="utf-8").split("## Settings", 1)[1]
    documented = set(re.findall(r"^\| `(COP_[A-Z_]+)` \|", table, re.MULTILINE))
    assert documented == set(SETTINGS)
