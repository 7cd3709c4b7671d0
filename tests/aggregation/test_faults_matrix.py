"""Every sandbox fault mode at every position (the first bank, all banks, one of twenty) gives
that bank the right status and a 200 with the other banks' data; nothing gives a 500."""

from __future__ import annotations

import time

import pytest

from tests.aggregation.test_api import TEST_KEYS, authorise

EXPECTED = {
    "latency": ("timeout", None),
    "timeout": ("timeout", "timeout"),
    "error_rate": ("error", "server_error"),
    "5xx": ("error", "server_error"),
    "429": ("rate_limited", "rate_limited"),
    "malformed_json": ("error", "malformed_json"),
    "truncated_json": ("error", "truncated_json"),
    "wrong_content_type": ("error", "wrong_content_type"),
    "expired_token": ("ok", None),  # refreshed transparently
    "consent_revoked": ("reauthentication_required", "consent_revoked"),
}
POSITIONS = {"first": (3, [0]), "all": (3, [0, 1, 2]), "one_of_twenty": (20, [13])}


@pytest.fixture
def app_settings():
    return {"TOKEN_ENCRYPTION_KEYS": TEST_KEYS, "RATELIMIT_ENABLED": False,
            "AGGREGATION_DEADLINE_SECONDS": 0.6}


@pytest.fixture
def agg_app(app):
    if "aggregation" not in app.blueprints:
        from aggregation import api as aggregation_api

        app.extensions["api"].register_blueprint(aggregation_api.blp)
    yield app
    app.extensions["aggregation"].fanout.shutdown()


@pytest.mark.parametrize("position", list(POSITIONS))
@pytest.mark.parametrize("fault", list(EXPECTED))
def test_fault_at_position(agg_app, make_tpp, make_psu, fault, position):
    count, faulty = POSITIONS[position]
    bank_ids = [f"bank{i:02d}" for i in range(count)]
    setup = authorise(agg_app, make_tpp, make_psu, bank_ids)
    for index in faulty:
        setup.connectors[bank_ids[index]].fault = fault

    started = time.perf_counter()
    resp = setup.get("/balances")
    elapsed = time.perf_counter() - started
    assert resp.status_code == 200, resp.get_json()
    assert elapsed < 0.6 + 0.8  # one deadline, whatever fails
    body = resp.get_json()
    banks = {b["BankId"]: b for b in body["Meta"]["Banks"]}
    status, error_type = EXPECTED[fault]
    for index, bank_id in enumerate(bank_ids):
        report = banks[bank_id]
        if index in faulty:
            assert report["Status"] == status, (bank_id, report)
            if error_type:
                assert report["ErrorType"] == error_type
            if status != "ok":
                assert report["Source"] == "none" and report["FetchedAt"] is None
        else:
            assert report["Status"] == "ok" and report["Source"] == "live"
    healthy = count - (0 if status == "ok" else len(faulty))
    assert len(body["Data"]["Balance"]) == healthy * 3
    if fault == "429":
        assert all(banks[bank_ids[i]]["RetryAfter"] == 120 for i in faulty)
    if fault == "expired_token":
        assert all(setup.connectors[bank_ids[i]].refreshed == 1 for i in faulty)


def test_retry_after_is_honoured_and_the_cache_served(agg_app, make_tpp, make_psu):
    setup = authorise(agg_app, make_tpp, make_psu, ["alpha", "beta"])
    agg_app.extensions["aggregation"].cache.fresh_seconds = 0
    assert setup.get("/balances").status_code == 200  # fills the cache
    setup.connectors["alpha"].fault = "429"
    first = {b["BankId"]: b for b in setup.get("/balances").get_json()["Meta"]["Banks"]}
    assert first["alpha"]["Status"] == "rate_limited" and first["alpha"]["Source"] == "cache"
    calls = len(setup.connectors["alpha"].calls)
    body = setup.get("/balances").get_json()
    again = {b["BankId"]: b for b in body["Meta"]["Banks"]}
    assert len(setup.connectors["alpha"].calls) == calls  # not called before Retry-After
    assert again["alpha"]["Status"] == "rate_limited" and again["alpha"]["ErrorType"] == (
        "RetryAfter")
    assert 100 < again["alpha"]["RetryAfter"] <= 120
    assert len(body["Data"]["Balance"]) == 6  # alpha's last known balances, marked


def test_the_breaker_opens_and_skips_a_failing_bank(agg_app, make_tpp, make_psu):
    setup = authorise(agg_app, make_tpp, make_psu, ["alpha", "beta"])
    agg_app.extensions["aggregation"].cache.fresh_seconds = 0
    setup.connectors["alpha"].fault = "5xx"
    for _ in range(5):
        setup.get("/balances")
    calls = len(setup.connectors["alpha"].calls)
    banks = {b["BankId"]: b for b in setup.get("/balances").get_json()["Meta"]["Banks"]}
    assert banks["alpha"] == {**banks["alpha"], "Status": "error", "ErrorType": "CircuitOpen"}
    assert banks["beta"]["Status"] == "ok"
    assert len(setup.connectors["alpha"].calls) == calls


def test_a_gone_bank_consent_is_marked_for_reauthentication(agg_app, make_tpp, make_psu):
    setup = authorise(agg_app, make_tpp, make_psu, ["alpha", "beta"])
    setup.connectors["alpha"].fault = "consent_revoked"
    setup.get("/balances")
    setup.connectors["alpha"].fault = None
    agg_app.extensions["aggregation"].cache.fresh_seconds = 0
    banks = {b["BankId"]: b for b in setup.get("/balances").get_json()["Meta"]["Banks"]}
    assert banks["alpha"]["Status"] == "reauthentication_required"  # from the consent record
    consent = setup.tpp.request("GET", f"/account-access-consents/{setup.consent_id}",
                                scope="accounts").get_json()
    assert consent["Data"]["StatusReason"][0]["StatusReasonCode"] == "U028"


def test_refreshed_bank_tokens_are_stored(agg_app, make_tpp, make_psu):
    from consent import service as consent_service

    setup = authorise(agg_app, make_tpp, make_psu, ["alpha"])
    setup.connectors["alpha"].fault = "expired_token"
    assert setup.get("/balances").get_json()["Meta"]["Banks"][0]["Status"] == "ok"
    with agg_app.extensions["session_factory"]() as session:
        link = consent_service.bank_links(session, setup.consent_id,
                                          adapters=agg_app.extensions["consent"])[0]
    assert (link.access_token, link.refresh_token) == ("at2-alpha", "rt2-alpha")


def test_banks_under_planned_downtime_are_skipped(agg_app, make_tpp, make_psu):
    setup = authorise(agg_app, make_tpp, make_psu, ["alpha", "beta"])
    agg_app.extensions["aggregation"].planned_downtime = (
        lambda _session, bank_id, _at: bank_id == "beta")
    banks = {b["BankId"]: b for b in setup.get("/balances").get_json()["Meta"]["Banks"]}
    assert banks["beta"]["Status"] == "planned_downtime" and banks["alpha"]["Status"] == "ok"
    assert setup.connectors["beta"].calls == []


def test_every_bank_call_is_reported_to_the_status_package(agg_app, make_tpp, make_psu):
    setup = authorise(agg_app, make_tpp, make_psu, ["alpha", "beta"])
    seen = []
    agg_app.extensions["aggregation"].record_call = lambda *args: seen.append(args)
    setup.connectors["beta"].fault = "5xx"
    setup.get("/balances")
    assert sorted((bank, ok) for bank, ok, _ in seen) == [("alpha", True), ("beta", False)]
