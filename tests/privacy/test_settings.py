"""The data-protection settings: each documented, each malformed value refused by name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core.config import SettingError, load_settings
from privacy.settings import SETTINGS

DOC = Path(__file__).resolve().parents[2] / "docs" / "consent.md"


def test_every_row_is_in_the_documents_settings_table():
    table = DOC.read_text(encoding="utf-8").split("## Settings", 1)[1]
    documented = set(re.findall(r"^\| `((?:RETENTION|ACCESS_REVIEW)_[A-Z_]+)` \|", table,
                                re.MULTILINE))
    assert documented == set(SETTINGS)


def test_a_malformed_retention_names_the_variable(monkeypatch):
    monkeypatch.setenv("RETENTION_TOKEN_RECORDS_DAYS", "ninety")
    with pytest.raises(SettingError) as raised:
        load_settings(packages=["privacy"])
    assert str(raised.value).startswith("RETENTION_TOKEN_RECORDS_DAYS ")
