"""The notice lifecycle and validation, pure; a hypothesis state machine drives the lifecycle."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from status import domain
from status.domain import ActiveNotice, ComponentStatus, Kind, NoticeStatus, Severity
from status.errors import (
    IllegalTransition,
    NoticeClosed,
    NoticeInvalid,
    NoticeWindowInvalid,
    UnknownComponent,
)

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def test_allowed_transitions():
    assert domain.transition("scheduled", "in_progress") is NoticeStatus.IN_PROGRESS
    assert domain.transition("scheduled", "cancelled") is NoticeStatus.CANCELLED
    assert domain.transition("in_progress", "completed") is NoticeStatus.COMPLETED


@pytest.mark.parametrize("current,target", [
    ("scheduled", "completed"), ("in_progress", "cancelled"), ("in_progress", "scheduled"),
    ("completed", "in_progress"), ("cancelled", "in_progress"), ("completed", "cancelled"),
])
def test_illegal_transitions_name_what_is_allowed(current, target):
    with pytest.raises(IllegalTransition) as err:
        domain.transition(current, target)
    body = err.value.to_dict()
    assert body["type"] == "/problems/notice-transition-invalid" and body["status"] == 409
    assert body["current_status"] == current and body["requested_status"] == target
    assert body["allowed"] == sorted(s.value for s in domain.TRANSITIONS[NoticeStatus(current)])


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_closed_notices_cannot_be_edited(status):
    with pytest.raises(NoticeClosed) as err:
        domain.ensure_open("ntc_1", status)
    assert err.value.status == 409 and err.value.to_dict()["current_status"] == status
    domain.ensure_open("ntc_1", "in_progress")


def test_window_end_before_start():
    with pytest.raises(NoticeWindowInvalid) as err:
        domain.validate_window(Kind.PLANNED, NOW + 2 * HOUR, NOW + HOUR, NOW)
    assert err.value.field == "ends_at" and err.value.status == 422
    assert "must be after starts_at" in err.value.detail


def test_window_rules():
    with pytest.raises(NoticeWindowInvalid, match="both"):
        domain.validate_window(Kind.PLANNED, NOW + HOUR, None, NOW)
    with pytest.raises(NoticeWindowInvalid, match="in the past") as err:
        domain.validate_window(Kind.PLANNED, NOW - HOUR, NOW + HOUR, NOW)
    assert err.value.field == "starts_at"
    with pytest.raises(NoticeWindowInvalid, match="UTC offset"):
        domain.validate_window(Kind.PLANNED, (NOW + HOUR).replace(tzinfo=None), NOW + 2 * HOUR,
                               NOW)
    assert domain.validate_window(Kind.UNPLANNED, None, None, NOW) == (NOW, None)
    berlin = dt.timezone(dt.timedelta(hours=1))
    start, end = domain.validate_window(Kind.PLANNED, (NOW + HOUR).astimezone(berlin),
                                        NOW + 2 * HOUR, NOW)
    assert start.tzinfo == dt.UTC and start == NOW + HOUR


def test_targets():
    assert domain.validate_targets(["auth", "auth"], ["b1"], ["b1", "b2"]).keys() == [
        ("component", "auth"), ("bank", "b1")]
    with pytest.raises(UnknownComponent) as err:
        domain.validate_targets(["auth", "payments"], [], None)
    assert err.value.to_dict()["unknown"] == ["payments"]
    assert err.value.to_dict()["known"] == ["auth", "accounts", "payee-checks"]
    with pytest.raises(UnknownComponent) as err:
        domain.validate_targets([], ["nobank"], ["b1"])
    assert err.value.to_dict()["field"] == "banks"
    with pytest.raises(NoticeInvalid):
        domain.validate_targets([], [], None)
    # With no registry and no configured list, any bank-id slug is taken.
    assert domain.validate_targets([], ["any-bank"], None).banks == ("any-bank",)
    with pytest.raises(UnknownComponent):
        domain.validate_targets([], ["Not A Slug"], None)


def test_component_status_precedence():
    def notice(kind, status, severity, start=NOW - HOUR, end=None):
        return ActiveNotice(Kind(kind), NoticeStatus(status), Severity(severity), start, end)

    assert domain.component_status([], NOW) is ComponentStatus.OPERATIONAL
    maint = notice("planned", "in_progress", "critical")
    slow = notice("unplanned", "in_progress", "minor")
    down = notice("unplanned", "in_progress", "critical")
    assert domain.component_status([slow], NOW) is ComponentStatus.DEGRADED_PERFORMANCE
    assert domain.component_status([slow, maint], NOW) is ComponentStatus.UNDER_MAINTENANCE
    assert domain.component_status([maint, down], NOW) is ComponentStatus.MAJOR_OUTAGE
    # Announced work whose window has opened counts even before an operator starts it.
    window_open = notice("planned", "scheduled", "critical", NOW - HOUR, NOW + HOUR)
    future = notice("planned", "scheduled", "critical", NOW + HOUR, NOW + 2 * HOUR)
    assert domain.component_status([window_open], NOW) is ComponentStatus.UNDER_MAINTENANCE
    assert domain.component_status([future], NOW) is ComponentStatus.OPERATIONAL
    assert domain.overall_indicator([ComponentStatus.UNDER_MAINTENANCE]) == (
        "maintenance", "Maintenance in progress")


def test_iso_is_utc_with_z():
    assert domain.iso(NOW.astimezone(dt.timezone(dt.timedelta(hours=2)))) == \
        "2026-11-20T09:00:00Z"


ACTIONS = {"start": NoticeStatus.IN_PROGRESS, "complete": NoticeStatus.COMPLETED,
           "cancel": NoticeStatus.CANCELLED}


class NoticeLifecycle(RuleBasedStateMachine):
    """Any sequence of actions and edits: the status only moves along the documented arrows,
    closed notices stay closed and refuse edits, and every refusal is the typed 409."""

    def __init__(self) -> None:
        super().__init__()
        self.status = NoticeStatus.SCHEDULED
        self.history = [self.status]

    @rule(action=st.sampled_from(sorted(ACTIONS)))
    def act(self, action):
        target = ACTIONS[action]
        legal = target in domain.TRANSITIONS[self.status]
        try:
            new = domain.transition(self.status, target)
        except IllegalTransition as err:
            assert not legal
            assert err.status == 409 and err.current == self.status.value
        else:
            assert legal
            self.status = new
            self.history.append(new)

    @rule()
    def edit(self):
        try:
            domain.ensure_open("ntc_x", self.status)
        except NoticeClosed:
            assert self.status in domain.CLOSED
        else:
            assert self.status not in domain.CLOSED

    @precondition(lambda self: self.status in domain.CLOSED)
    @rule(action=st.sampled_from(sorted(ACTIONS)))
    def closed_is_final(self, action):
        with pytest.raises(IllegalTransition):
            domain.transition(self.status, ACTIONS[action])

    @invariant()
    def path_is_a_documented_one(self):
        assert self.history in (
            [NoticeStatus.SCHEDULED],
            [NoticeStatus.SCHEDULED, NoticeStatus.IN_PROGRESS],
            [NoticeStatus.SCHEDULED, NoticeStatus.IN_PROGRESS, NoticeStatus.COMPLETED],
            [NoticeStatus.SCHEDULED, NoticeStatus.CANCELLED],
        )


TestNoticeLifecycle = NoticeLifecycle.TestCase
