"""examples/transactions_walkthrough.py summarises every account's 24 months at each sandbox
bank, and the curl it prints reads the bank's first page as docs/sandbox-banks.md shows."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import httpx
import pytest

from tests.aggregation.live import running_sandbox

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples"))

import transactions_walkthrough  # noqa: E402


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with running_sandbox(tmp_path_factory.mktemp("keys")) as running:
        yield running


@pytest.mark.parametrize("bank_id", ["thamesmoor", "rheinfeld"])
def test_summary_and_curl(sandbox, bank_id):
    lines = transactions_walkthrough.summarise(sandbox.registry, bank_id, "bob", "sandbox",
                                               curl=True)
    summaries = [line for line in lines if not line.startswith("  curl")]
    assert summaries and all(re.search(r"\d+ in \d+ page\(s\)", line) for line in summaries)
    assert any(int(line.split()[2]) > 2000 for line in summaries)
    curl = next(line for line in lines if line.startswith("  curl"))
    url = re.search(r"curl -s '([^']+)'", curl).group(1)
    headers = dict(h.split(": ", 1) for h in re.findall(r"-H '([^']+)'", curl))
    response = httpx.get(url, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body.get("Data", {}).get("Transaction") or body["transactions"]["booked"]
