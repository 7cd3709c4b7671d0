"""The OB v4.0 transaction listings through HTTP with real PSU tokens, over fake banks with
deterministic histories: one timeline across banks, cursors, permissions, per-bank status,
resumed syncs, the unattended allowance, erasure, enrichment and linked transfers."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from aggregation.models import StoredTransaction
from tests.aggregation import spec_schemas as spec
from tests.aggregation.test_api import AIS, TEST_KEYS, authorise
from tests.aggregation.txn_fakes import NOW, TxnConnector, history

TXNS = f"{AIS}/transactions"
FULL = ("ReadAccountsDetail", "ReadBalances", "ReadTransactionsDetail",
        "ReadTransactionsCredits", "ReadTransactionsDebits")


@pytest.fixture
def app_settings():
    return {"TOKEN_ENCRYPTION_KEYS": TEST_KEYS, "RATELIMIT_ENABLED": False,
            "AGGREGATION_TRANSACTIONS_PAGE_SIZE": 50}


@pytest.fixture
def agg_app(app):
    yield app
    app.extensions["aggregation"].fanout.shutdown()
    app.extensions["transactions"].banks.syncer.pool.shutdown()


def histories(bank_id: str, **kw) -> dict:
    peer = {"alpha": {"transfers_to": "beta-cur"}, "beta": {"transfers_from": "alpha-cur"}}
    return {f"{bank_id}-cur": history(bank_id, f"{bank_id}-cur", **peer.get(bank_id, {}), **kw),
            f"{bank_id}-eur": history(bank_id, f"{bank_id}-eur", days=20, ccy="EUR", **kw)}


def setup_banks(app, make_tpp, make_psu, banks=("alpha", "beta"), permissions=FULL, **kw):
    setup = authorise(app, make_tpp, make_psu, list(banks), permissions=permissions, **kw)
    connectors = app.extensions.setdefault("bank_connectors", {})
    for bank_id in banks:
        connector = TxnConnector(bank_id, setup.connectors[bank_id].accounts,
                                 histories=histories(bank_id))
        connectors[bank_id] = setup.connectors[bank_id] = connector
    return setup


@pytest.fixture
def two_banks(agg_app, make_tpp, make_psu):
    return setup_banks(agg_app, make_tpp, make_psu)


def walk(setup, first: str) -> list[dict]:
    """Every page from `first` on, following Links.Next."""
    pages, url = [], first
    while url:
        resp = setup.get(url)
        assert resp.status_code == 200, resp.get_json()
        pages.append(resp.get_json())
        nxt = pages[-1]["Links"].get("Next")
        url = urlsplit(nxt)._replace(scheme="", netloc="").geturl() if nxt else None
    return pages


def expected_ids(setup) -> set[str]:
    return {t.transaction_id for c in setup.connectors.values()
            for h in c.histories.values() for t in h}


def test_one_timeline_across_banks_newest_first_valid_ob(two_banks):
    pages = walk(two_banks, TXNS)
    for body in pages:
        spec.assert_valid(body, spec.OB_TRANSACTIONS)
    entries = [t for body in pages for t in body["Data"]["Transaction"]]
    assert len(entries) == len(expected_ids(two_banks))  # repeats across bank pages dropped
    assert len({t["TransactionId"] for t in entries}) == len(entries)
    times = [dt.datetime.fromisoformat(t["BookingDateTime"]) for t in entries]
    assert times == sorted(times, reverse=True)
    assert len({t["AccountId"] for t in entries}) == 4
    meta = pages[0]["Meta"]
    assert meta["TotalPages"] == len(pages) == -(-len(entries) // 50)
    assert meta["FirstAvailableDateTime"] <= meta["LastAvailableDateTime"]
    assert "Prev" not in pages[0]["Links"] and "Next" not in pages[-1]["Links"]
    assert pages[0]["Links"]["Self"].endswith(TXNS)


def test_prev_and_last_links_walk_back(two_banks):
    first = two_banks.get(TXNS).get_json()
    second = two_banks.get(_path(first["Links"]["Next"])).get_json()
    back = two_banks.get(_path(second["Links"]["Prev"])).get_json()
    assert _ids(back) == _ids(first)
    last = two_banks.get(_path(first["Links"]["Last"])).get_json()
    assert "Next" not in last["Links"] and last["Data"]["Transaction"]
    oldest = last["Data"]["Transaction"][-1]["BookingDateTime"]
    assert oldest == first["Meta"]["FirstAvailableDateTime"]


def test_a_tampered_cursor_is_an_ob_error(two_banks):
    nxt = _path(two_banks.get(TXNS).get_json()["Links"]["Next"])
    forged = nxt[:-3] + ("AAA" if not nxt.endswith("AAA") else "BBB")
    resp = two_banks.get(forged)
    assert resp.status_code == 400
    spec.assert_valid(resp.get_json(), spec.OB_ERROR)
    assert resp.get_json()["Errors"][0]["ErrorCode"] == "U002"


def test_cursors_stay_correct_as_new_transactions_arrive(agg_app, two_banks):
    agg_app.extensions["aggregation"].cache.fresh_seconds = 0
    first = two_banks.get(TXNS).get_json()
    second_before = two_banks.get(_path(first["Links"]["Next"])).get_json()
    alpha = two_banks.connectors["alpha"]
    newest = history("alpha", "alpha-cur", days=1)[0]
    from dataclasses import replace

    alpha.histories["alpha-cur"].insert(0, replace(
        newest, transaction_id="brand-new", booked_at=dt.datetime.now(dt.UTC)))
    fresh = two_banks.get(TXNS).get_json()  # syncs the new one in
    assert fresh["Data"]["Transaction"][0]["BookingDateTime"] > \
        first["Data"]["Transaction"][0]["BookingDateTime"]
    second_after = two_banks.get(_path(first["Links"]["Next"])).get_json()
    assert _ids(second_after) == _ids(second_before)


def test_pending_then_booked_is_one_transaction(agg_app, two_banks):
    agg_app.extensions["aggregation"].cache.fresh_seconds = 0
    first = two_banks.get(f"{TXNS}?include=aggregation").get_json()
    pending = [t for t in first["Data"]["Transaction"] if t["Status"] == "PDNG"]
    assert pending and all(t["TransactionMutability"] == "Mutable" for t in pending)
    total = _total(agg_app)
    for connector in two_banks.connectors.values():
        connector.histories = histories(connector.bank_id, booked_pending=True)
    again = two_banks.get(TXNS).get_json()
    by_id = {t["TransactionId"]: t for t in again["Data"]["Transaction"]}
    assert all(by_id[t["TransactionId"]]["Status"] == "BOOK" for t in pending)
    assert _total(agg_app) == total


def test_a_later_sync_leaves_entries_stored_booked_as_they_are(agg_app, two_banks):
    agg_app.extensions["aggregation"].cache.fresh_seconds = 0
    two_banks.get(TXNS)
    stored = select(StoredTransaction.key, StoredTransaction.status,
                    StoredTransaction.sealed).order_by(StoredTransaction.key)
    with agg_app.extensions["session_factory"]() as session:
        before = session.execute(stored).all()
    two_banks.get(TXNS)  # lists the last days again: the booked ones are stored already
    with agg_app.extensions["session_factory"]() as session:
        after = session.execute(stored).all()
    assert [r for r in after if r.status == "booked"] == \
        [r for r in before if r.status == "booked"]
    assert [r for r in after if r.status == "pending"] != \
        [r for r in before if r.status == "pending"]  # pending ones are listed afresh

def test_basic_hides_detail_and_debits_only_filters(agg_app, make_tpp, make_psu):
    setup = setup_banks(agg_app, make_tpp, make_psu, banks=("alpha",), permissions=(
        "ReadAccountsBasic", "ReadTransactionsBasic", "ReadTransactionsDebits"))
    body = setup.get(TXNS).get_json()
    spec.assert_valid(body, spec.OB_TRANSACTIONS)
    entries = body["Data"]["Transaction"]
    assert entries and {t["CreditDebitIndicator"] for t in entries} == {"Debit"}
    hidden = {"TransactionInformation", "Balance", "MerchantDetails", "CreditorAccount",
              "DebtorAccount"}
    assert not any(hidden & set(t) for t in entries)
    detail = _detail_setup(agg_app, make_tpp, make_psu)
    assert any("MerchantDetails" in t for t in detail["Data"]["Transaction"])


def _detail_setup(agg_app, make_tpp, make_psu):
    setup = setup_banks(agg_app, make_tpp, make_psu, banks=("alpha",), username="bob")
    return setup.get(TXNS).get_json()


def test_without_a_transaction_permission_403(agg_app, make_tpp, make_psu):
    setup = setup_banks(agg_app, make_tpp, make_psu, banks=("alpha",),
                        permissions=("ReadAccountsDetail", "ReadBalances"))
    resp = setup.get(TXNS)
    assert resp.status_code == 403
    spec.assert_valid(resp.get_json(), spec.OB_ERROR)
    assert resp.get_json()["Errors"][0]["ErrorCode"] == "U008"


def test_one_account_and_an_unknown_one(two_banks):
    body = two_banks.get(f"{TXNS}?include=aggregation").get_json()
    target = body["Aggregation"]["Accounts"][0]["AccountId"]
    one = two_banks.get(f"{AIS}/accounts/{target}/transactions").get_json()
    spec.assert_valid(one, spec.OB_TRANSACTIONS)
    assert {t["AccountId"] for t in one["Data"]["Transaction"]} == {target}
    missing = two_banks.get(f"{AIS}/accounts/nope/transactions")
    assert missing.status_code == 400 and missing.get_json()["Errors"][0]["ErrorCode"] == "U011"


def test_a_bank_breaking_mid_pagination_is_marked_then_resumed(agg_app, two_banks):
    agg_app.extensions["aggregation"].cache.fresh_seconds = 0
    beta = two_banks.connectors["beta"]
    beta.fail_on_page = 2
    body = two_banks.get(f"{TXNS}?include=aggregation").get_json()
    banks = {b["BankId"]: b for b in body["Aggregation"]["Banks"]}
    assert banks["alpha"]["Status"] == "ok" and banks["alpha"]["HistoryComplete"] is True
    assert banks["beta"]["Status"] == "error" and banks["beta"]["HistoryComplete"] is False
    assert banks["beta"]["ErrorType"] == "server_error"
    assert body["Data"]["Transaction"]  # alpha and beta's first pages
    beta.fail_on_page = None
    beta.asked.clear()
    again = two_banks.get(f"{TXNS}?include=aggregation").get_json()
    assert {a["cursor"] for a in beta.asked} == {"25"}  # resumed where it broke
    banks = {b["BankId"]: b for b in again["Aggregation"]["Banks"]}
    assert banks["beta"]["Status"] == "ok" and banks["beta"]["HistoryComplete"] is True
    assert len(walk(two_banks, TXNS)[0]["Data"]["Transaction"]) == 50
    assert _total(agg_app) == len(expected_ids(two_banks))


def test_a_bank_timing_out_never_fails_the_read(agg_app, two_banks):
    two_banks.connectors["beta"].fault = "timeout"
    resp = two_banks.get(f"{TXNS}?include=aggregation")
    assert resp.status_code == 200
    banks = {b["BankId"]: b for b in resp.get_json()["Aggregation"]["Banks"]}
    assert banks["beta"]["Status"] == "timeout" and banks["beta"]["HistoryComplete"] is False
    assert banks["beta"]["Source"] == "none" and banks["alpha"]["Source"] == "live"


def test_first_sync_reads_the_window_then_only_what_is_new(agg_app, make_tpp, make_psu):
    since = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    setup = setup_banks(agg_app, make_tpp, make_psu, banks=("alpha",), consent_data={
        "TransactionFromDateTime": "2026-10-01T00:00:00Z"})
    agg_app.extensions["aggregation"].cache.fresh_seconds = 0
    body = setup.get(TXNS).get_json()
    alpha = setup.connectors["alpha"]
    assert {a["from"] for a in alpha.asked} == {since}
    assert min(t["BookingDateTime"] for t in walk(setup, TXNS)[-1]["Data"]["Transaction"]) \
        >= "2026-10-01"
    assert body["Meta"]["FirstAvailableDateTime"] >= "2026-10-01"
    alpha.asked.clear()
    setup.get(TXNS)
    # from the last sync less a few days, or the oldest entry still pending if older
    oldest_pending = NOW + dt.timedelta(minutes=10)
    assert alpha.asked and all(a["from"] == oldest_pending for a in alpha.asked)


def test_unattended_reads_stop_at_the_daily_allowance(agg_app, two_banks):
    agg_app.extensions["aggregation"].cache.fresh_seconds = 0
    statuses = []
    for _ in range(6):
        body = two_banks.get(f"{TXNS}?include=aggregation", present=False).get_json()
        statuses.append(body["Aggregation"]["Banks"][0]["Status"])
    assert statuses == ["ok"] * 4 + ["cached"] * 2
    assert body["Aggregation"]["Banks"][0]["ErrorType"] == "DailyAllowanceExhausted"
    assert body["Data"]["Transaction"]  # the stored history, marked


def test_revoking_the_consent_erases_its_transactions_with_an_audit_event(agg_app, two_banks):
    two_banks.get(TXNS)
    assert _total(agg_app) > 0
    resp = two_banks.tpp.request("DELETE", f"{AIS}/account-access-consents/"
                                 f"{two_banks.consent_id}", scope="accounts")
    assert resp.status_code == 204
    assert _total(agg_app) == 0
    events = two_banks.tpp.request("GET", f"{AIS}/account-access-consents/"
                                   f"{two_banks.consent_id}/events", scope="accounts"
                                   ).get_json()["Data"]["Event"]
    assert "data.erased" in [e["Action"] for e in events]


def test_expiry_erases_on_the_sweep_or_the_next_read(agg_app, make_tpp, make_psu):
    import time_machine

    from consent import revocation

    soon = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=90)
    expiry = soon.strftime("%Y-%m-%dT%H:%M:%SZ")
    setup = setup_banks(agg_app, make_tpp, make_psu, banks=("alpha",), expiration=expiry)
    other = setup_banks(agg_app, make_tpp, make_psu, banks=("alpha",), expiration=expiry,
                        username="bob")
    assert setup.get(TXNS).status_code == 200 and other.get(TXNS).status_code == 200
    counts = _by_consent(agg_app)
    assert counts[setup.consent_id] and counts[other.consent_id]
    with time_machine.travel(soon + dt.timedelta(seconds=30), tick=True):
        refused = other.get(TXNS)  # the read finds it expired: refused, and erased
        assert refused.status_code == 403 and refused.get_json()["Errors"][0]["ErrorCode"]
        assert set(_by_consent(agg_app)) == {setup.consent_id}
        with agg_app.extensions["session_factory"]() as session:
            assert setup.consent_id in revocation.sweep(
                session, adapters=agg_app.extensions["consent"])
        assert _by_consent(agg_app) == {}
    assert _erasures(agg_app) == {other.consent_id: ["consent-expired"],
                                  setup.consent_id: ["expired"]}


def _erasures(app) -> dict[str, list[str]]:
    """{consent id: the reason of each `data.erased` event in its audit chain}."""
    from consent.models import ConsentEvent

    found: dict[str, list[str]] = {}
    with app.extensions["session_factory"]() as session:
        for event in session.scalars(select(ConsentEvent).where(
                ConsentEvent.action == "data.erased").order_by(ConsentEvent.id)):
            found.setdefault(event.consent_id, []).append(event.details_dict()["reason"])
    return found


def _one_ended_one_kept(app, make_tpp, make_psu, *rows):
    """Two consents with stored transactions; the first ended without the sweep (and `rows`
    added with the change)."""
    from consent.models import Consent

    setup = setup_banks(app, make_tpp, make_psu, banks=("alpha",))
    setup.get(TXNS)
    keep = setup_banks(app, make_tpp, make_psu, banks=("alpha",), username="bob")
    keep.get(TXNS)
    with app.extensions["session_factory"]() as session, session.begin():
        session.get(Consent, setup.consent_id).status = "EXPD"
        session.add_all(rows)
    return setup, keep


def test_the_erasure_command_finds_consents_ended_by_any_path(agg_app, make_tpp, make_psu):
    _, keep = _one_ended_one_kept(agg_app, make_tpp, make_psu)
    result = agg_app.test_cli_runner().invoke(args=["banks", "erase-ended-transactions"])
    assert "erased the transactions of 1 consent(s)" in result.output, result.output
    assert set(_by_consent(agg_app)) == {keep.consent_id}


def test_the_retention_purge_erases_ended_consents_through_the_audited_erasure(
        agg_app, make_tpp, make_psu):
    from aggregation.models import TransactionSync

    # what a consent purged after its retention left behind: no consent, no trail
    left = TransactionSync(consent_id="aac-purged", account_id="a1", bank_id="alpha",
                           bank_account_id="alpha-cur", state="complete", window_from=NOW,
                           synced_at=NOW)
    setup, keep = _one_ended_one_kept(agg_app, make_tpp, make_psu, left)
    result = agg_app.test_cli_runner().invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    assert "stored_transactions: removed 2 in 1 batch(es)" in result.output
    assert set(_by_consent(agg_app)) == {keep.consent_id}
    with agg_app.extensions["session_factory"]() as session:
        assert session.scalars(select(TransactionSync.consent_id).distinct()).all() == [
            keep.consent_id]
    events = setup.tpp.request("GET", f"{AIS}/account-access-consents/{setup.consent_id}"
                               "/events", scope="accounts").get_json()["Data"]["Event"]
    erased = [e["Details"] for e in events if e["Action"] == "data.erased"]
    assert len(erased) == 1 and erased[0]["reason"] == "ended" and erased[0]["count"] > 0


def _by_consent(app) -> dict[str, int]:
    with app.extensions["session_factory"]() as session:
        return dict(session.execute(select(StoredTransaction.consent_id, func.count()).group_by(
            StoredTransaction.consent_id)).all())


def test_transfers_between_own_accounts_are_linked_and_categorised(two_banks):
    entries = [t for body in walk(two_banks, TXNS) for t in body["Data"]["Transaction"]]
    by_id = {t["TransactionId"]: t for t in entries}
    linked = [t for t in entries if "LinkedTransaction" in t["SupplementaryData"]]
    assert linked and len(linked) % 2 == 0
    for leg in linked:
        other = by_id[leg["SupplementaryData"]["LinkedTransaction"]["TransactionId"]]
        assert other["SupplementaryData"]["LinkedTransaction"]["TransactionId"] == \
            leg["TransactionId"]
        assert other["Amount"] == leg["Amount"] and other["AccountId"] != leg["AccountId"]
        assert leg["SupplementaryData"]["Category"] == "internal_transfer"
    categories = {t["SupplementaryData"]["Category"] for t in entries}
    # an unknown merchant code (9999) falls back to the card payment's bank transaction code
    assert {"groceries", "eating_out", "transport", "income", "bills", "shopping"} <= categories


def test_stored_transactions_are_sealed(agg_app, two_banks):
    two_banks.get(TXNS)
    with agg_app.extensions["session_factory"]() as session:
        sealed = session.scalars(select(StoredTransaction.sealed)).first()
    assert "Greengrocer" not in sealed and "GBP" not in sealed


def _path(url: str) -> str:
    return urlsplit(url)._replace(scheme="", netloc="").geturl()


def _ids(body) -> list[str]:
    return [t["TransactionId"] for t in body["Data"]["Transaction"]]


def _total(app) -> int:
    with app.extensions["session_factory"]() as session:
        return session.scalar(select(func.count()).select_from(StoredTransaction))
