"""The audit trail: tamper detection (edit, delete, reorder, truncate), the CLI, and on
PostgreSQL the trigger that refuses UPDATE and DELETE (TRUNCATE still works)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from consent import audit, service
from consent.audit import Actor
from tests.consent.conftest import consent_body

BASE = "http://localhost/account-access-consents"


@pytest.fixture
def consent_id(session, tpp, tpp_actor, adapters):
    _, body = service.create_consent(session, tpp, consent_body(), self_url_base=BASE,
                                     idempotency_key=None, actor=tpp_actor, adapters=adapters)
    consent_id = body["Data"]["ConsentId"]
    for resource in ("/open-banking/v4.0/aisp/accounts", "/open-banking/v4.0/aisp/balances"):
        service.record_access(session, consent_id, client_id=tpp.client_id, resource=resource,
                              banks=["alpha"], actor=tpp_actor, adapters=adapters)
    return consent_id


def faults(session):
    with session.begin():
        return audit.verify_all(session)[1]


def raw(app, sql, **params):
    """Tamper below the application, as an attacker with table access would (SQLite only:
    on PostgreSQL the trigger refuses, which test_postgres_trigger checks)."""
    with app.extensions["engine"].begin() as conn:
        conn.execute(text(sql), params)


def test_intact_chain(session, consent_id):
    assert faults(session) == []
    events = audit.events_for(session, consent_id)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash


@pytest.mark.parametrize("sql", [
    "UPDATE consent_events SET details = '{\"resource\":\"/nothing\"}' WHERE seq = 2",
    "UPDATE consent_events SET actor = 'tpp:someone-else' WHERE seq = 1",
    "UPDATE consent_events SET occurred_at = '2020-01-01 00:00:00.000000' WHERE seq = 3",
    "DELETE FROM consent_events WHERE seq = 2",
    "DELETE FROM consent_events WHERE seq = 3",
    "UPDATE consent_events SET seq = seq + 10 WHERE seq = 3",
])
def test_tampering_is_detected(app, session, consent_id, sql):
    if app.extensions["engine"].dialect.name != "sqlite":
        pytest.skip("the PostgreSQL trigger refuses these statements")
    raw(app, sql)
    assert faults(session), sql


def test_cli_verify(app, session, consent_id):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "checked 3 event(s): OK" in result.output
    if app.extensions["engine"].dialect.name == "sqlite":
        raw(app, "UPDATE consent_events SET action = 'x' WHERE seq = 1")
        result = runner.invoke(args=["audit", "verify"])
        assert result.exit_code == 1 and "hash does not match" in result.output


def test_postgres_trigger(app, session, consent_id):
    engine = app.extensions["engine"]
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    for sql in ("UPDATE consent_events SET action = 'x'", "DELETE FROM consent_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            raw(app, sql)
    assert faults(session) == []
    raw(app, "TRUNCATE consent_events")


def test_actor_labels():
    assert Actor("psu", "p1", "i").label == "psu:p1"
