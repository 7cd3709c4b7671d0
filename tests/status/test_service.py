"""Notice use cases on a real database: lifecycle, edits, filters, the outbox written in the
same transaction, and what aggregation asks (`bank_under_planned_downtime`)."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from core.banks import BankInfo, BankList
from core.errors import Conflict, NotFound
from status import service
from status import worker as worker_module
from status.errors import (
    IllegalTransition,
    NoticeClosed,
    NoticeInvalid,
    NoticeWindowInvalid,
    UnknownComponent,
)
from status.models import Delivery, Event, Notice, Subscription
from tests.status.conftest import T0, incident, planned

HOUR = dt.timedelta(hours=1)


def events(session) -> list[str]:
    return list(session.scalars(select(Event.type).order_by(Event.occurred_at, Event.id)))


def subscribe(session, events=("notice.scheduled", "notice.started", "notice.completed")):
    with session.begin():
        session.add(Subscription(id="whs_1", client_id="c1", client_name="TPP", url="https://x",
                                 events=list(events), secret="whsec_AAAA", active=True))


def test_planned_lifecycle_with_timeline_and_events(rt, session, clock):
    subscribe(session)
    notice = service.create_notice(rt, session, planned(), actor="op")
    assert (notice.kind, notice.status, notice.banks) == ("planned", "scheduled", ["alpha-bank"])
    clock.advance(days=2)
    service.add_update(rt, session, notice.id, "Starting on time.", actor="op")
    clock.advance(minutes=1)
    service.change_status(rt, session, notice.id, "in_progress", actor="op")
    clock.advance(hours=1)
    done = service.change_status(rt, session, notice.id, "completed", actor="op",
                                 message="All done.")
    assert done.status == "completed" and done.completed_at == clock.now
    assert [(u.status, u.body) for u in done.updates] == [
        ("scheduled", "Maintenance announced."), ("scheduled", "Starting on time."),
        ("in_progress", "Work has started."), ("completed", "All done.")]
    assert events(session) == ["notice.scheduled", "notice.updated", "notice.started",
                               "notice.completed"]
    # Only the events the subscription asked for become deliveries.
    delivered = session.scalars(select(Event.type).join(Delivery)).all()
    assert sorted(delivered) == ["notice.completed", "notice.scheduled", "notice.started"]
    payload = json.loads(session.scalars(select(Event.payload)).first())
    assert payload["data"]["notice"]["id"] == notice.id and payload["id"].startswith("evt_")


def test_incident_starts_in_progress(rt, session):
    notice = service.create_notice(rt, session, incident(), actor="op")
    assert notice.status == "in_progress" and notice.started_at == T0
    assert events(session) == ["notice.started"]


def test_validation_errors_write_nothing(rt, session):
    bad = [
        (planned(start=T0 + HOUR, hours=-1), NoticeWindowInvalid),
        (planned(banks=("zeta-bank",)), UnknownComponent),
        (planned(banks=(), components=("payments",)), UnknownComponent),
        (planned(title=" "), NoticeInvalid),
        (planned(start=T0 - 2 * HOUR), NoticeWindowInvalid),
    ]
    for data, error in bad:
        with pytest.raises(error):
            service.create_notice(rt, session, data, actor="op")
    assert session.scalar(select(func.count()).select_from(Notice)) == 0
    assert session.scalar(select(func.count()).select_from(Event)) == 0


def test_closed_notice_refuses_edits_and_updates(rt, session, clock):
    notice = service.create_notice(rt, session, planned(), actor="op")
    clock.advance(minutes=1)
    service.change_status(rt, session, notice.id, "cancelled", actor="op")
    with pytest.raises(NoticeClosed):
        service.edit_notice(rt, session, notice.id, {"title": "x"}, actor="op")
    with pytest.raises(NoticeClosed):
        service.add_update(rt, session, notice.id, "more", actor="op")
    with pytest.raises(IllegalTransition):
        service.change_status(rt, session, notice.id, "in_progress", actor="op")
    assert events(session) == ["notice.scheduled", "notice.cancelled"]


def test_concurrent_edits_the_second_is_told_the_notice_changed(rt, session):
    notice = service.create_notice(rt, session, planned(), actor="op")
    with rt.session_factory() as other:
        seen = service.get_notice(other, notice.id)  # read before the first edit lands
        assert seen.version == notice.version
        service.edit_notice(rt, session, notice.id, {"title": "First"}, actor="op")
        with pytest.raises(Conflict, match="The notice changed meanwhile"):
            service.edit_notice(rt, other, notice.id, {"title": "Second"}, actor="op")
    session.expire_all()
    assert service.get_notice(session, notice.id).title == "First"


def test_edit_window_rules(rt, session, clock):
    notice = service.create_notice(rt, session, planned(), actor="op")
    later = T0 + dt.timedelta(days=3)
    edited = service.edit_notice(rt, session, notice.id, {"starts_at": later,
                                                          "ends_at": later + HOUR,
                                                          "banks": ["beta-bank"]}, actor="op")
    assert (edited.starts_at, edited.banks) == (later, ["beta-bank"])
    with pytest.raises(NoticeWindowInvalid):
        service.edit_notice(rt, session, notice.id, {"ends_at": later - HOUR}, actor="op")
    clock.now = later
    service.change_status(rt, session, notice.id, "in_progress", actor="op")
    with pytest.raises(NoticeInvalid, match="once work has started"):
        service.edit_notice(rt, session, notice.id, {"starts_at": later + HOUR}, actor="op")
    moved = service.edit_notice(rt, session, notice.id, {"ends_at": later + 3 * HOUR},
                                actor="op")
    assert moved.ends_at == later + 3 * HOUR
    with pytest.raises(NotFound):
        service.edit_notice(rt, session, "ntc_missing", {"title": "x"}, actor="op")


def test_list_filters_and_pages(rt, session, clock):
    a = service.create_notice(rt, session, planned(banks=("alpha-bank",)), actor="op")
    b = service.create_notice(rt, session, planned(banks=("beta-bank",), components=("auth",),
                                                   start=T0 + dt.timedelta(days=5)), actor="op")
    c = service.create_notice(rt, session, incident(components=("accounts",)), actor="op")
    ids = lambda items: [n.id for n in items[0]]  # noqa: E731
    assert ids(service.list_notices(session)) == [b.id, a.id, c.id]
    assert ids(service.list_notices(session, bank="beta-bank")) == [b.id]
    assert ids(service.list_notices(session, component="auth")) == [b.id]
    assert ids(service.list_notices(session, kind="unplanned")) == [c.id]
    assert ids(service.list_notices(session, end=T0 + dt.timedelta(days=3))) == [a.id, c.id]
    # a ended before day 4; the incident c is still in progress, so it overlaps.
    assert ids(service.list_notices(session, start=T0 + dt.timedelta(days=4))) == [b.id, c.id]
    page2 = service.list_notices(session, page=2, page_size=2)
    assert ids(page2) == [c.id] and page2[1] == 3


def test_bank_under_planned_downtime(rt, session, clock):
    start = T0 + dt.timedelta(days=2)
    notice = service.create_notice(rt, session, planned(start=start), actor="op")
    assert not service.bank_under_planned_downtime(session, "alpha-bank", start - HOUR)
    assert service.bank_under_planned_downtime(session, "alpha-bank", start + HOUR)
    assert not service.bank_under_planned_downtime(session, "beta-bank", start + HOUR)
    assert not service.bank_under_planned_downtime(session, "alpha-bank", start + 3 * HOUR)
    clock.now = start
    service.change_status(rt, session, notice.id, "in_progress", actor="op")
    # Overrunning work still counts until someone completes it.
    assert service.bank_under_planned_downtime(session, "alpha-bank", start + 5 * HOUR)
    service.change_status(rt, session, notice.id, "completed", actor="op")
    assert not service.bank_under_planned_downtime(session, "alpha-bank", start + 5 * HOUR)


def test_worker_starts_due_maintenance(rt, session, clock):
    notice = service.create_notice(rt, session, planned(), actor="op")
    assert service.start_due(rt, session) == []
    clock.advance(days=2, minutes=1)
    assert service.start_due(rt, session) == [notice.id]
    session.expire_all()
    assert session.get(Notice, notice.id).status == "in_progress"
    assert events(session)[-1] == "notice.started"


def test_registry_banks_win_over_configuration(app, rt, session):
    app.extensions["banks"] = BankList((BankInfo("gamma", "Gamma Bank"),))
    assert rt.known_banks() == {"gamma": "Gamma Bank"}
    service.create_notice(rt, session, planned(banks=("gamma",)), actor="op")
    with pytest.raises(UnknownComponent):
        service.create_notice(rt, session, planned(banks=("alpha-bank",)), actor="op")


def test_worker_logs_an_outage_once_and_its_recovery_once(rt, monkeypatch, caplog):
    """The in-process worker passes every 2 s: a database outage is one line with its cause
    when it starts and one when it ends, not a traceback per pass."""
    failing = {"on": True}

    def run_once(_rt):
        if failing["on"]:
            raise OperationalError("SELECT 1", {}, OSError("connection refused\nmore detail"))
        return {}

    monkeypatch.setattr(worker_module.delivery, "run_once", run_once)
    worker = worker_module.BackgroundWorker(rt)
    with caplog.at_level(logging.WARNING, logger="status.worker"):
        for _ in range(5):
            worker.run_pass()
        failing["on"] = False
        worker.run_pass()
        worker.run_pass()
    lines = [r.getMessage() for r in caplog.records if r.name == "status.worker"]
    assert len(lines) == 2, lines
    assert lines[0].startswith("status worker pass failed: OSError: connection refused;")
    assert lines[1].startswith("status worker recovered after 5 failed passes")
    assert not any(r.exc_info for r in caplog.records)
