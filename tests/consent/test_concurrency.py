"""Authorise, revoke and expire racing on one consent (PostgreSQL, real threads): every round
ends in one legal state, every attempt is on the trail, and the chain verifies."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import threading

import pytest

from consent import audit, authorisation, domain, records, revocation, service
from consent.audit import Actor
from consent.errors import InvalidTransition
from consent.models import ConsentBank
from core.banks import BankList
from tests.consent.conftest import consent_body

BASE = "http://localhost/account-access-consents"
ROUNDS = 8


@pytest.fixture(autouse=True)
def postgres_only(app):
    if app.extensions["engine"].dialect.name != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers")


def prepare(app, tpp, tpp_actor, adapters, clock):
    factory = app.extensions["session_factory"]
    with factory() as session:
        expiry = (clock.now + dt.timedelta(hours=1)).isoformat()
        _, body = service.create_consent(session, tpp, consent_body(ExpirationDateTime=expiry),
                                         self_url_base=BASE, idempotency_key=None,
                                         actor=tpp_actor, adapters=adapters)
        consent_id = body["Data"]["ConsentId"]
        ticket, secret = authorisation.begin(
            session, consent_id=consent_id, client_id=tpp.client_id, psu_id="psu-1",
            request_uri="urn:x", interaction="i", adapters=adapters)
        with session.begin():
            session.add(ConsentBank(consent_id=consent_id, bank_id="alpha", status="authorised",
                                    accounts=["a"], authorised_at=clock.now,
                                    updated_at=clock.now))
    return consent_id, ticket, secret


def race_once(app, tpp, tpp_actor, adapters, clock, later) -> str:
    factory = app.extensions["session_factory"]
    consent_id, ticket, secret = prepare(app, tpp, tpp_actor, adapters, clock)
    barrier = threading.Barrier(3)
    outcomes: dict[str, str] = {}

    def run(name, call):
        with factory() as session:
            barrier.wait()
            try:
                call(session)
                outcomes[name] = "ok"
            except InvalidTransition:
                outcomes[name] = "refused"
            except Exception as exc:  # noqa: BLE001 - reported below
                outcomes[name] = f"error {type(exc).__name__}: {exc}"

    calls = {
        "authorise": lambda s: authorisation.decide(s, ticket, secret, approve=True,
                                                    adapters=adapters),
        "revoke": lambda s: service.delete_consent(s, tpp.client_id, consent_id,
                                                   actor=tpp_actor, adapters=adapters),
        "expire": lambda s: revocation.sweep(s, adapters=later),
    }
    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(not v.startswith("error") for v in outcomes.values()), outcomes

    with factory() as session, session.begin():
        consent = records.locked(session, consent_id)
        events = audit.events_for(session, consent_id)
        assert audit.verify_chain(consent_id, events, consent.audit_seq,
                                  consent.audit_head) == []
    path = ["AWAU"] + [json.loads(e.details)["to"] for e in events
                       if e.action in ("consent.authorised", "consent.deleted_by_tpp",
                                       "consent.expired")]
    for a, b in zip(path, path[1:], strict=False):
        assert domain.can_transition(a, b), path
    assert path[-1] == consent.status
    actions = [e.action for e in events]
    assert "consent.authorised" in actions or "authorisation.refused" in actions
    return consent.status


def test_authorise_revoke_expire_race(app, tpp, tpp_actor, adapters, clock):
    later = dataclasses.replace(adapters, clock=lambda: clock.now + dt.timedelta(hours=2))
    adapters.banks = BankList()
    finals = {race_once(app, tpp, tpp_actor, adapters, clock, later) for _ in range(ROUNDS)}
    assert finals <= {"AUTH", "CANC", "EXPD"}


def test_actor_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Actor("psu", "p").kind = "x"
