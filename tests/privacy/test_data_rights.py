"""Access requests and erasure end to end, over HTTP and the CLI, against the sandbox banks:
the export holds every record made for a PSU and nothing of another; after erasure nothing of
the PSU remains in any table or Redis key, the audit chain verifies, the TPP's token fails,
and the other PSU is untouched; an erasure killed midway finishes when run again."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema_rs
import pytest
from sqlalchemy import func, select

from aggregation.models import StoredTransaction
from consent import access_log
from cop.models import CheckAudit
from cop.normalise import normalise
from cop.service import keyed_hash
from core.db import utcnow
from privacy import bound
from privacy.models import Erasure
from tests.consent.test_live_banks import AIS
from tests.privacy.live_psu import sign_in_dashboard, two_psus
from tests.privacy.scan import database_hits, redis_hits

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "docs" /
                     "psu-export.schema.json").read_text())


def _validate(document) -> None:
    jsonschema_rs.validator_for(SCHEMA, validate_formats=True).validate(document)


def _payee_check_naming(app, name: str) -> None:
    """A payee check whose payee name was this person's, as the check audit records it."""
    key = app.extensions["cop"].audit_key
    with app.extensions["session_factory"]() as session, session.begin():
        session.add(CheckAudit(client_id="cop-client", scheme="UK", account_hash="0" * 64,
                               name_hash=keyed_hash(key, normalise(name)), outcome="MATCH",
                               created_at=utcnow()))


def _export(app, psu_id: str) -> dict:
    result = app.test_cli_runner().invoke(args=["psu", "export", psu_id])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _personal_values(person) -> list[str]:
    return [person.psu_id, person.display_name, person.consent_id]


def test_export_holds_everything_of_the_psu_and_nothing_of_another(live):
    app, base, client = live
    _, alice, bob = two_psus(app, base, client)
    _payee_check_naming(app, alice.display_name)
    _payee_check_naming(app, bob.display_name)

    document = _export(app, alice.psu_id)
    _validate(document)
    data = document["data"]
    assert data["profile"] == [{**data["profile"][0], "username": "alice",
                                "display_name": alice.display_name}]
    assert [c["consent_id"] for c in data["consents"]] == [alice.consent_id]
    actions = [e["action"] for e in data["consents"][0]["history"]]
    assert "consent.created" in actions and "consent.authorised" in actions
    assert "you" in {e["actor"] for e in data["consents"][0]["history"]}
    assert [(a["consent_id"], a["resource"]) for a in data["access_log"]] == [
        (alice.consent_id, "balances")]
    assert [(b["bank_id"], b["status"]) for b in data["bank_links"]] == [
        ("northgate", "authorised")]
    assert {c["bank_id"] for c in data["cached_bank_data"]} == {"northgate"}
    assert {t["consent_id"] for t in data["tokens"]} == {alice.consent_id}
    assert len(data["payee_checks"]) == 1
    text = json.dumps(document)
    for value in ("bob", bob.psu_id, bob.display_name, bob.consent_id, "rheinfeld"):
        assert value not in text, value
    assert "access_token\"" not in text and "refresh_token" not in text


def _stored_transactions(app, consent_id: str) -> int:
    with app.extensions["session_factory"]() as session:
        return session.scalar(select(func.count()).select_from(StoredTransaction).where(
            StoredTransaction.consent_id == consent_id))


def test_stored_transactions_are_exported_and_erased_with_the_psu(live):
    app, base, client = live
    tpp, alice, bob = two_psus(app, base, client, (
        "ReadAccountsDetail", "ReadBalances", "ReadTransactionsDetail",
        "ReadTransactionsCredits", "ReadTransactionsDebits"))
    for person in (alice, bob):
        read = tpp.call(f"{AIS}/transactions", person.access_token)
        assert read.status_code == 200, read.text
    held = _stored_transactions(app, alice.consent_id)
    assert held > 0 and _stored_transactions(app, bob.consent_id) > 0

    document = _export(app, alice.psu_id)
    _validate(document)
    stored = document["data"]["stored_transactions"]
    assert len(stored) == held
    assert {(t["consent_id"], t["bank_id"]) for t in stored} == {(alice.consent_id, "northgate")}
    assert bob.consent_id not in json.dumps(document)

    result = app.test_cli_runner().invoke(args=["psu", "erase", alice.psu_id, "--yes"])
    assert result.exit_code == 0, result.output
    assert _stored_transactions(app, alice.consent_id) == 0
    assert _stored_transactions(app, bob.consent_id) > 0


def test_dashboard_download_json_and_summary(live):
    app, base, client = live
    _, alice, _ = two_psus(app, base, client)
    dashboard = sign_in_dashboard(alice)
    assert "/psu/data" in dashboard.text
    page = alice.browser.get("/psu/data")
    assert page.status_code == 200 and "Erase my data" in page.text
    download = alice.browser.get("/psu/data/export.json")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment")
    _validate(download.json())
    assert download.json()["psu_id"] == alice.psu_id
    summary = alice.browser.get("/psu/data/export.html")
    assert summary.status_code == 200
    assert "Budgeting App" in summary.text and "northgate" in summary.text


def _assert_erased(app, tpp, alice, bob) -> None:
    engine, redis = app.extensions["engine"], app.extensions["redis"]
    values = [*_personal_values(alice)[:2], alice.username]
    assert database_hits(engine, values) == []
    assert redis_hits(redis, values) == []
    with app.extensions["session_factory"]() as session:
        record = session.query(Erasure).one()
        assert record.state == "done" and record.psu_id is None
    verify = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    assert tpp.call(f"{AIS}/balances", alice.access_token).status_code == 401
    assert tpp.call(f"{AIS}/balances", bob.access_token).status_code == 200
    assert database_hits(engine, [bob.psu_id, bob.display_name]) != []


def test_cli_erasure_leaves_nothing_and_the_chain_verifies(live):
    app, base, client = live
    tpp, alice, bob = two_psus(app, base, client)
    _payee_check_naming(app, alice.display_name)
    sign_in_dashboard(alice)  # a live dashboard session in Redis
    banks = app.extensions["sandbox_banks"]

    result = app.test_cli_runner().invoke(args=["psu", "erase", alice.psu_id, "--yes"])
    assert result.exit_code == 0, result.output
    assert "erased: erasure" in result.output
    _assert_erased(app, tpp, alice, bob)
    assert [c.status for c in banks["northgate"].consents.values()
            if c.psu == "alice"] == ["terminatedByTpp"] or all(
        c.status != "authorised" for c in banks["northgate"].consents.values()
        if c.psu == "alice")

    again = app.test_cli_runner().invoke(args=["psu", "erase", alice.psu_id, "--yes"])
    assert again.exit_code == 0 and "already erased" in again.output
    gone = app.test_cli_runner().invoke(args=["psu", "export", alice.psu_id])
    assert gone.exit_code == 1


@pytest.mark.parametrize("crash_after", ["consents_ended", "erase:consents", "erase:tokens"])
def test_erasure_killed_midway_completes_when_run_again(live, crash_after):
    app, base, client = live
    tpp, alice, bob = two_psus(app, base, client)

    def crash(step: str) -> None:
        if step == crash_after:
            raise KeyboardInterrupt("killed")

    with app.extensions["session_factory"]() as session, pytest.raises(KeyboardInterrupt):
        bound.erase_psu(app, session, alice.psu_id, requested_by="test", after_step=crash)
    with app.extensions["session_factory"]() as session:
        record = session.query(Erasure).one()
        assert record.state == "running" and crash_after in record.steps_done
    result = app.test_cli_runner().invoke(args=["psu", "erase", alice.psu_id, "--yes"])
    assert result.exit_code == 0, result.output
    _assert_erased(app, tpp, alice, bob)


def test_dashboard_erasure_needs_confirmation(live):
    app, base, client = live
    tpp, alice, bob = two_psus(app, base, client)
    page = sign_in_dashboard(alice)
    csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
    refused = alice.browser.post("/psu/data/erase", {"csrf": csrf, "confirm": "yes"})
    assert refused.status_code == 400
    assert tpp.call(f"{AIS}/balances", alice.access_token).status_code == 200
    forged = alice.browser.post("/psu/data/erase", {"csrf": "nope", "confirm": "ERASE"})
    assert forged.status_code == 403
    done = alice.browser.post("/psu/data/erase", {"csrf": csrf, "confirm": "ERASE"})
    assert done.status_code == 200 and "erased" in done.text
    access_log.for_app(app).flush()
    _assert_erased(app, tpp, alice, bob)
