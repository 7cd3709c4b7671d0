"""The retention purge removes exactly what is past its retention, in batches, with metrics;
cached bank data never outlives its consent; the audit chains of what is kept still verify."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.exc import DBAPIError

from aggregation.cache import CACHE_PREFIX
from auth.models import IssuedToken
from consent import audit
from consent.audit import Actor
from consent.models import Consent, ConsentAuthorisation, ConsentBank, ConsentEvent
from cop.models import CheckAudit
from core.db import utcnow

NOW = utcnow()
DAY = dt.timedelta(days=1)


@pytest.fixture
def app_settings():
    return {"RETENTION_PURGE_BATCH": 2, "RETENTION_FINISHED_CONSENT_DAYS": 365}


def _consent(session, consent_id: str, status: str, ended_ago: dt.timedelta) -> None:
    consent = Consent(id=consent_id, client_id="client-a", client_name="Budget Buddy",
                      psu_id="p-" + "0" * 40, status=status, permissions=["ReadBalances"],
                      created_at=NOW - ended_ago - DAY, status_updated_at=NOW - ended_ago,
                      audit_seq=0, audit_head="0" * 64)
    session.add(consent)
    session.flush()
    for action in ("consent.created", "consent.authorised"):
        audit.append(session, consent, Actor("tpp", "client-a"), action, {}, now=NOW - ended_ago)
    session.add(ConsentBank(consent_id=consent_id, bank_id="northgate", status="revoked",
                            accounts=[]))
    session.add(ConsentAuthorisation(id=f"pass-{consent_id}", consent_id=consent_id,
                                     client_id="client-a", psu_id="p-x", return_to="",
                                     created_at=NOW - ended_ago - DAY,
                                     expires_at=NOW - ended_ago - DAY / 2))


def _token(session, token_id: str, expired_ago: dt.timedelta) -> None:
    session.add(IssuedToken(id=token_id, kind="access", client_id="client-a", psu_id="p-x",
                            scope="accounts", grant_id="g", issued_at=NOW - expired_ago - DAY,
                            expires_at=NOW - expired_ago))


def _check(session, made_ago: dt.timedelta) -> None:
    session.add(CheckAudit(client_id="cop", scheme="UK", account_hash="a" * 64, outcome="MATCH",
                           created_at=NOW - made_ago))


def test_purge_removes_exactly_what_is_due(app, session):
    with session.begin():
        _consent(session, "aac-old-cancelled", "CANC", 400 * DAY)   # due
        _consent(session, "aac-old-expired", "EXPD", 366 * DAY)     # due
        _consent(session, "aac-recent-cancelled", "CANC", 10 * DAY)  # kept: within 365 days
        _consent(session, "aac-old-but-live", "AUTH", 900 * DAY)     # kept: still authorised
        for n, ago in enumerate((91, 200, 300)):                     # due: past 90 days
            _token(session, f"old-{n}", ago * DAY)
        _token(session, "recent", 10 * DAY)                          # kept
        _check(session, 400 * DAY)                                   # due: past 395 days
        _check(session, 30 * DAY)                                    # kept
    redis = app.extensions["redis"]
    for consent_id in ("aac-recent-cancelled", "aac-old-but-live"):
        redis.hset(CACHE_PREFIX + consent_id, "northgate", "{}")

    result = app.test_cli_runner().invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    assert "consents: removed 2 in 1 batch(es)" in result.output
    assert "tokens: removed 3 in 2 batch(es)" in result.output
    assert "payee_checks: removed 1 in 1 batch(es)" in result.output
    assert "cached_bank_data: removed 1 in 1 batch(es)" in result.output

    with session.begin():
        assert set(session.scalars(select(Consent.id))) == {"aac-recent-cancelled",
                                                            "aac-old-but-live"}
        assert set(session.scalars(select(ConsentEvent.consent_id))) == {
            "aac-recent-cancelled", "aac-old-but-live"}
        assert set(session.scalars(select(ConsentBank.consent_id))) == {
            "aac-recent-cancelled", "aac-old-but-live"}
        # passes expired 10+ days ago are kept for 30 days; the 900-day-old one went
        assert set(session.scalars(select(ConsentAuthorisation.consent_id))) == {
            "aac-recent-cancelled"}
        assert list(session.scalars(select(IssuedToken.id))) == ["recent"]
        assert session.query(CheckAudit).count() == 1
    assert not redis.exists(CACHE_PREFIX + "aac-recent-cancelled")
    assert redis.exists(CACHE_PREFIX + "aac-old-but-live")

    verify = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
    again = app.test_cli_runner().invoke(args=["retention", "purge"])
    assert "total removed 0" in again.output

    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'retention_purged_records_total{kind="tokens"} 3.0' in metrics
    assert 'retention_purge_batches_total{kind="tokens"} 2.0' in metrics


def test_the_trail_stays_append_only_outside_the_purge(app, session):
    """On PostgreSQL the trigger still refuses deleting events of a live consent, and any
    delete outside a transaction that declared itself the purge."""
    if app.extensions["engine"].dialect.name != "postgresql":
        pytest.skip("the append-only trigger exists on PostgreSQL")
    with session.begin():
        _consent(session, "aac-cancelled", "CANC", 400 * DAY)
        _consent(session, "aac-live", "AUTH", 400 * DAY)
    with pytest.raises(DBAPIError), session.begin():
        session.execute(delete(ConsentEvent).where(ConsentEvent.consent_id == "aac-cancelled"))
    with pytest.raises(DBAPIError), session.begin():
        session.execute(text("SET LOCAL consent.purge = 'on'"))
        session.execute(delete(ConsentEvent).where(ConsentEvent.consent_id == "aac-live"))
