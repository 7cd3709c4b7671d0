"""The aggregation rows of the settings table: a count or a duration out of range stops the
start with one line naming the variable, instead of a traceback when the pool or the pager is
built from it."""

from __future__ import annotations

import pytest

from core.config import SettingError, load_settings


@pytest.mark.parametrize(("name", "value", "says"), [
    ("AGGREGATION_MAX_WORKERS", "0", "a whole number, 1 or more"),
    ("AGGREGATION_BREAKER_FAILURES", "-1", "a whole number, 1 or more"),
    ("AGGREGATION_CACHE_SECONDS", "-5", "a number, 0 or more"),
    ("AGGREGATION_TRANSACTIONS_PAGE_SIZE", "0", "a whole number, 1 or more"),
    ("AGGREGATION_TRANSACTIONS_DEADLINE_SECONDS", "0", "a number, 0.1 or more"),
    ("AGGREGATION_BREAKER_OPEN_SECONDS", "soon", "a number"),
])
def test_a_value_out_of_range_names_the_variable_and_the_form(monkeypatch, name, value, says):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingError) as raised:
        load_settings(packages=["aggregation"])
    assert str(raised.value).startswith(f"{name} ") and says in str(raised.value)


@pytest.mark.parametrize(("name", "value", "parsed"), [
    ("AGGREGATION_MAX_WORKERS", "1", 1),
    ("AGGREGATION_CACHE_SECONDS", "0", 0.0),
    ("AGGREGATION_TRANSACTIONS_DEADLINE_SECONDS", "2.5", 2.5),
])
def test_the_smallest_allowed_values_are_taken(monkeypatch, name, value, parsed):
    monkeypatch.setenv(name, value)
    assert load_settings(packages=["aggregation"])[name] == parsed
