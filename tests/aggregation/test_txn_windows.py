"""A long first read split into booking-date windows read concurrently, over fake banks
with histories longer than a window: every transaction once, windows only with the PSU
present, and a window that breaks resumed from its start."""

from __future__ import annotations

import pytest

from aggregation.txn_windows import MAX_PARTS
from tests.aggregation.test_txn_api import TXNS, _total, expected_ids, setup_banks, walk
from tests.aggregation.test_txn_api import agg_app as agg_app  # noqa: F401 - fixture
from tests.aggregation.test_txn_api import app_settings as app_settings  # noqa: F401 - fixture
from tests.aggregation.txn_fakes import history

DAYS = 400


@pytest.fixture
def long_bank(agg_app, make_tpp, make_psu):  # noqa: F811 - the fixture imported above
    setup = setup_banks(agg_app, make_tpp, make_psu, banks=("alpha",))
    alpha = setup.connectors["alpha"]
    alpha.histories = {a: history("alpha", a, days=DAYS) for a in alpha.histories}
    alpha.page_size = 100
    agg_app.extensions["aggregation"].cache.fresh_seconds = 0
    return setup


def windows(connector, account: str) -> list[tuple]:
    return sorted((a["from"], a["to"] or a["from"]) for a in connector.asked
                  if a["account"] == account)


def test_a_long_first_read_lists_windows_at_once_and_stores_each_entry_once(
        agg_app, long_bank):  # noqa: F811
    body = long_bank.get(f"{TXNS}?include=aggregation").get_json()
    assert body["Aggregation"]["Banks"][0]["HistoryComplete"] is True
    alpha = long_bank.connectors["alpha"]
    for account in alpha.histories:
        asked = windows(alpha, account)
        assert 1 < len(asked) <= MAX_PARTS
        assert all(a["cursor"] is None for a in alpha.asked)
    entries = [t for page in walk(long_bank, TXNS) for t in page["Data"]["Transaction"]]
    assert len(entries) == len({t["TransactionId"] for t in entries})
    assert _total(agg_app) == len(entries) == len(expected_ids(long_bank))


def test_an_unattended_first_read_is_one_listing_an_account(agg_app, long_bank):  # noqa: F811
    long_bank.get(f"{TXNS}?include=aggregation", present=False)
    alpha = long_bank.connectors["alpha"]
    assert len(alpha.asked) == len(alpha.histories)
    assert _total(agg_app) == len(expected_ids(long_bank))


def test_a_broken_window_is_read_again_from_its_start(agg_app, long_bank):  # noqa: F811
    alpha = long_bank.connectors["alpha"]
    alpha.fail_on_page = 2  # every window longer than a page breaks on its second
    body = long_bank.get(f"{TXNS}?include=aggregation").get_json()
    bank = body["Aggregation"]["Banks"][0]
    assert bank["Status"] == "error" and bank["HistoryComplete"] is False
    starts = {account: [w[0] for w in windows(alpha, account)] for account in alpha.histories}
    alpha.fail_on_page = None
    alpha.asked.clear()
    again = long_bank.get(f"{TXNS}?include=aggregation").get_json()
    assert again["Aggregation"]["Banks"][0]["HistoryComplete"] is True
    for account, first in starts.items():
        # from the start of its oldest broken window: the older ones (no entries so far
        # back, one page) were complete and are not listed again
        restart = min(w[0] for w in windows(alpha, account))
        assert restart in first and restart > first[0]
    assert _total(agg_app) == len(expected_ids(long_bank))
