"""The sandbox histories: deterministic, 24 months, every kind of entry a budgeting app meets,
own-account transfers whose two legs match across banks, pending entries that book under the
same id."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sandbox import history
from sandbox.seed import SEED

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
ACCOUNTS = {a.id: a for accounts in SEED.values() for a in accounts}


def listing(account_id: str, now: dt.datetime = NOW) -> list[history.Entry]:
    account = ACCOUNTS[account_id]
    home = "EUR" if account_id.startswith("rf-") else "GBP"
    return history.window(account, home, now, now - history.WINDOW, now)


def test_same_history_every_time_and_ordered():
    first = listing("ng-1001")
    history._history.cache_clear()
    assert listing("ng-1001") == first
    moments = [(e.moment(NOW), e.id) for e in first]
    assert moments == sorted(moments)
    assert len({e.id for e in first}) == len(first)


def test_twenty_four_months_of_thousands():
    entries = listing("ng-1001")
    assert len(entries) > 2000
    assert entries[0].moment(NOW) >= NOW - history.WINDOW
    assert entries[0].moment(NOW) < NOW - history.WINDOW + dt.timedelta(days=3)
    assert all(e.authorised_at <= NOW for e in entries)


def test_every_kind_of_entry_is_there():
    entries = listing("ng-1001")
    kinds = Counter("-".join(e.code) for e in entries)
    for code in ("PMNT-RCDT-SALA", "PMNT-ICDT-STDO", "PMNT-RDDT-PMDD", "PMNT-CCRD-POSD",
                 "PMNT-CCRD-RIMB", "PMNT-ICDT-DMCT", "PMNT-CCRD-CWDL"):
        assert kinds[code], code
    assert kinds["PMNT-RCDT-SALA"] == 24
    cards = [e for e in entries if e.code[2] == "POSD"]
    assert all(e.merchant and e.mcc and len(e.mcc) == 4 and e.amount < 0 for e in cards)
    foreign = [e for e in cards if e.instructed]
    assert foreign and all(e.rate and e.instructed[1] != "GBP" for e in foreign)
    for e in foreign:
        original, _ = e.instructed
        assert -e.amount == (original * e.rate).quantize(history.CENT)
    refunds = [e for e in entries if e.code[2] == "RIMB"]
    assert all(e.amount > 0 and e.merchant for e in refunds)


def test_own_transfers_have_both_legs_at_different_banks():
    sent = [e for e in listing("ng-1001") if e.code == ("PMNT", "ICDT", "DMCT")]
    received = {e.reference: e for e in listing("tm-1001") if e.code == ("PMNT", "RCDT", "DMCT")}
    assert sum(e.reference.startswith("OWN") for e in sent) == 24
    assert sum(e.reference.startswith("RND") for e in sent) > 600  # nightly round-ups
    assert len(sent) == len(received)
    for leg in sent:
        other = received[leg.reference]
        assert other.amount == -leg.amount and other.currency == leg.currency
        assert other.booked_at.date() == leg.booked_at.date()
        assert leg.counterparty_account == ("SortCodeAccountNumber",
                                            ACCOUNTS["tm-1001"].identification)
        assert other.counterparty_account == ("SortCodeAccountNumber",
                                              ACCOUNTS["ng-1001"].identification)
    euro = [e for e in listing("rf-3001") if e.reference and e.reference.startswith("OWN")]
    assert {e.reference for e in euro} <= {e.reference for e in listing("ng-3001")}


def test_round_ups_sweep_the_days_card_pennies():
    entries = listing("ng-1001")
    day = entries[-200].booked_at.date()
    cards = [e for e in entries if e.code[2] == "POSD" and e.authorised_at.date() == day]
    sweep = next(e for e in entries if e.reference and e.reference.startswith("RND")
                 and e.booked_at.date() == day)
    assert -sweep.amount == sum((1 - (-e.amount) % 1) % 1 for e in cards)


def test_pending_entries_book_later_under_the_same_id():
    pending = [e for e in listing("ng-2001") if e.pending(NOW)]
    assert pending
    later = NOW + dt.timedelta(days=4)
    booked = {e.id: e for e in listing("ng-2001", later)}
    for entry in pending:
        assert not booked[entry.id].pending(later)
        assert booked[entry.id].amount == entry.amount


def test_a_day_keeps_its_entries_as_time_passes():
    today = {e.id for e in listing("rf-1001") if e.booked_at.date() == dt.date(2026, 3, 1)}
    tomorrow = {e.id for e in listing("rf-1001", NOW + dt.timedelta(days=1))
                if e.booked_at.date() == dt.date(2026, 3, 1)}
    assert today and today == tomorrow


def test_a_window_inside_the_history():
    start, end = NOW - dt.timedelta(days=10), NOW - dt.timedelta(days=5)
    inside = history.window(ACCOUNTS["ng-1001"], "GBP", NOW, start, end)
    assert inside and all(start <= e.moment(NOW) <= end for e in inside)
    assert history.window(ACCOUNTS["ng-1001"], "GBP", NOW, NOW - dt.timedelta(days=900),
                          NOW - dt.timedelta(days=800)) == []
