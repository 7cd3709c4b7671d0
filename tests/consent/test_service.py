"""Consent use cases on a real database: create (with idempotency), read, expiry on read,
delete, the per-TPP wall, and the functions aggregation calls."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from consent import audit, records, service
from consent.audit import Actor
from consent.errors import (
    ConsentNotFound,
    ConsentRequestInvalid,
    ConsentUnusable,
)
from consent.models import Consent, ConsentBank
from core.errors import Problem
from tests.consent.conftest import consent_body

AIS = "/open-banking/v4.0/aisp"  # the OB v4.0 AIS base path

BASE = "http://localhost/account-access-consents"


def create(session, tpp, actor, adapters, body=None, key=None):
    return service.create_consent(session, tpp, body or consent_body(), self_url_base=BASE,
                                  idempotency_key=key, actor=actor, adapters=adapters)


def authorise(session, consent_id, adapters, banks=("bank-a",)):
    """Stand-in for the PSU flow: AUTH with one bank link holding encrypted tokens."""
    from consent import domain

    now = adapters.now()
    with session.begin():
        consent = records.locked(session, consent_id)
        consent.psu_id = "psu-1"
        for bank_id in banks:
            row = ConsentBank(consent_id=consent_id, bank_id=bank_id, status="authorised",
                              bank_consent_id=f"{bank_id}-c1", accounts=["acc-1"],
                              authorised_at=now, updated_at=now)
            session.add(row)
            records.store_tokens(row, f"at-{bank_id}", f"rt-{bank_id}", now, adapters)
        records.set_status(session, consent, domain.ConsentStatus.AUTH, domain.AUTHORISED,
                           Actor("psu", "psu-1"), "consent.authorised", now)


def test_create_returns_awau_document(session, tpp, tpp_actor, adapters, clock):
    status, body = create(session, tpp, tpp_actor, adapters)
    assert status == 201
    data = body["Data"]
    assert data["Status"] == "AWAU"
    assert data["StatusReason"] == [{"StatusReasonCode": "U036",
                                     "StatusReasonDescription": "Waiting for the PSU to "
                                                                "authorise the consent"}]
    assert data["CreationDateTime"] == "2026-11-26T12:00:00+00:00"
    assert body["Links"]["Self"] == f"{BASE}/{data['ConsentId']}"
    events = audit.events_for(session, data["ConsentId"])
    assert [e.action for e in events] == ["consent.created"]
    assert events[0].actor == "tpp:client-a"
    assert events[0].interaction_id == tpp_actor.interaction_id


def test_invalid_request_writes_nothing(session, tpp, tpp_actor, adapters):
    with pytest.raises(ConsentRequestInvalid):
        create(session, tpp, tpp_actor, adapters, body=consent_body(("ReadBalances",)))
    assert session.scalars(select(Consent)).all() == []


def test_idempotency(session, tpp, tpp_actor, adapters):
    _, first = create(session, tpp, tpp_actor, adapters, key="k1")
    _, again = create(session, tpp, tpp_actor, adapters, key="k1")
    assert again == first
    with pytest.raises(Problem) as err:
        create(session, tpp, tpp_actor, adapters, key="k1",
               body=consent_body(("ReadAccountsDetail",)))
    assert err.value.status == 409 and err.value.slug == "idempotency-key-reused"
    assert len(session.scalars(select(Consent)).all()) == 1


def test_other_tpp_sees_404(session, tpp, tpp_actor, adapters):
    _, body = create(session, tpp, tpp_actor, adapters)
    consent_id = body["Data"]["ConsentId"]
    for call in (
        lambda: service.get_consent(session, "client-b", consent_id, adapters=adapters),
        lambda: service.delete_consent(session, "client-b", consent_id,
                                       actor=Actor("tpp", "client-b"), adapters=adapters),
        lambda: service.consent_events(session, "client-b", consent_id),
        lambda: service.get_authorised_consent(session, consent_id, "client-b"),
    ):
        with pytest.raises(ConsentNotFound):
            call()


def test_expiry_on_read(session, tpp, tpp_actor, adapters, clock):
    _, body = create(session, tpp, tpp_actor, adapters,
                     body=consent_body(ExpirationDateTime="2026-11-27T12:00:00Z"))
    consent_id = body["Data"]["ConsentId"]
    clock.advance(days=1)
    consent = service.get_consent(session, tpp.client_id, consent_id, adapters=adapters)
    assert consent.status == "EXPD"
    assert consent.status_updated_at == clock.now
    assert [e.action for e in audit.events_for(session, consent_id)] == [
        "consent.created", "consent.expired"]


def test_delete_awau_then_repeat(session, tpp, tpp_actor, adapters):
    _, body = create(session, tpp, tpp_actor, adapters)
    consent_id = body["Data"]["ConsentId"]
    service.delete_consent(session, tpp.client_id, consent_id, actor=tpp_actor,
                           adapters=adapters)
    consent = service.get_consent(session, tpp.client_id, consent_id, adapters=adapters)
    assert consent.status == "CANC" and consent.status_reason_description == "Deleted by the TPP"
    service.delete_consent(session, tpp.client_id, consent_id, actor=tpp_actor,
                           adapters=adapters)
    actions = [e.action for e in audit.events_for(session, consent_id)]
    assert actions == ["consent.created", "consent.deleted_by_tpp", "tokens.revoked",
                       "consent.delete_repeated"]


def test_aggregation_functions(session, tpp, tpp_actor, adapters, clock):
    _, body = create(session, tpp, tpp_actor, adapters)
    consent_id = body["Data"]["ConsentId"]
    with pytest.raises(ConsentUnusable) as err:
        service.get_authorised_consent(session, consent_id, tpp.client_id, now=clock.now)
    assert err.value.slug == "consent-not-authorised"
    authorise(session, consent_id, adapters, banks=("bank-a", "bank-b"))
    consent = service.get_authorised_consent(session, consent_id, tpp.client_id, now=clock.now)
    assert consent.status == "AUTH"
    links = service.bank_links(session, consent_id, adapters=adapters)
    assert [(link.bank_id, link.access_token, link.refresh_token) for link in links] == [
        ("bank-a", "at-bank-a", "rt-bank-a"), ("bank-b", "at-bank-b", "rt-bank-b")]
    raw = session.scalars(select(ConsentBank.access_token)).all()
    assert not any("at-bank" in value for value in raw)
    session.commit()

    service.update_bank_tokens(session, consent_id, "bank-a", access_token="at2",
                               refresh_token="rt2", expires_at=None, adapters=adapters)
    service.mark_bank_reauth_required(session, consent_id, "bank-b", reason="consent gone",
                                      adapters=adapters)
    service.record_access(session, consent_id, client_id=tpp.client_id, resource=f"{AIS}/balances",
                          banks=["bank-a"], actor=tpp_actor, adapters=adapters)
    links = {link.bank_id: link for link in service.bank_links(session, consent_id,
                                                               adapters=adapters)}
    assert links["bank-a"].access_token == "at2"
    assert links["bank-b"].reauthentication_required
    assert not links["bank-a"].reauthentication_required
    clock.advance(days=180)
    assert all(link.reauthentication_required
               for link in service.bank_links(session, consent_id, adapters=adapters))
    with session.begin():
        checked, faults = audit.verify_all(session)
    assert faults == [] and checked == 5


def test_refusals_by_status(session, tpp, tpp_actor, adapters, clock):
    _, body = create(session, tpp, tpp_actor, adapters,
                     body=consent_body(ExpirationDateTime="2026-12-01T00:00:00Z"))
    consent_id = body["Data"]["ConsentId"]
    authorise(session, consent_id, adapters)
    clock.advance(days=10)
    with pytest.raises(ConsentUnusable) as err:
        service.get_authorised_consent(session, consent_id, tpp.client_id, now=clock.now)
    assert (err.value.slug, err.value.status) == ("consent-expired", 403)
    assert err.value.to_dict()["Errors"][0]["ErrorCode"] == "U009"

    _, body = create(session, tpp, tpp_actor, adapters)
    other = body["Data"]["ConsentId"]
    authorise(session, other, adapters)
    service.delete_consent(session, tpp.client_id, other, actor=tpp_actor, adapters=adapters)
    with pytest.raises(ConsentUnusable) as err:
        service.get_authorised_consent(session, other, tpp.client_id, now=clock.now)
    assert err.value.slug == "consent-revoked"


def test_sweep(session, tpp, tpp_actor, adapters, clock):
    from consent import revocation

    ids = []
    for days in (1, 2, 30):
        expiry = (clock.now + dt.timedelta(days=days)).isoformat()
        _, body = create(session, tpp, tpp_actor, adapters,
                         body=consent_body(ExpirationDateTime=expiry))
        ids.append(body["Data"]["ConsentId"])
    clock.advance(days=3)
    assert sorted(revocation.sweep(session, adapters=adapters)) == sorted(ids[:2])
    assert revocation.sweep(session, adapters=adapters) == []
