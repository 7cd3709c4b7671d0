"""The lifecycle as a hypothesis state machine: every allowed transition happens, every refused
one raises InvalidTransition and leaves the status as it was."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from consent import domain
from consent.domain import ConsentStatus as S
from consent.errors import InvalidTransition

EXPECTED = {
    (S.AWAU, S.AUTH), (S.AWAU, S.RJCT), (S.AWAU, S.EXPD), (S.AWAU, S.CANC),
    (S.AUTH, S.CANC), (S.AUTH, S.EXPD),
}


@pytest.mark.parametrize("current", list(S))
@pytest.mark.parametrize("target", list(S))
def test_every_pair(current, target):
    if (current, target) in EXPECTED:
        assert domain.transition(current, target) is target
    else:
        with pytest.raises(InvalidTransition) as err:
            domain.transition(current, target)
        assert err.value.status == 400
        assert err.value.to_dict()["Errors"][0]["ErrorCode"] == "U009"


def test_final_statuses():
    assert domain.FINAL == {S.RJCT, S.EXPD, S.CANC}


class Lifecycle(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.status = S.AWAU
        self.history = [S.AWAU]

    @rule(wanted=st.sampled_from(list(S)))
    def attempt(self, wanted):
        before = self.status
        if (before, wanted) in EXPECTED:
            self.status = domain.transition(before, wanted)
            self.history.append(self.status)
        else:
            with pytest.raises(InvalidTransition):
                domain.transition(before, wanted)
            assert self.status is before

    @invariant()
    def path_is_legal(self):
        assert self.history[0] is S.AWAU
        for a, b in zip(self.history, self.history[1:], strict=False):
            assert (a, b) in EXPECTED
        assert len(self.history) <= 3  # AWAU -> AUTH -> {CANC, EXPD} is the longest path


TestLifecycle = Lifecycle.TestCase

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@given(st.integers(min_value=-10**6, max_value=10**6))
def test_expiry_is_at_or_after_the_instant(seconds):
    expiration = NOW + dt.timedelta(seconds=seconds)
    assert domain.is_expired(expiration, NOW) is (seconds <= 0)
    assert domain.is_expired(None, NOW) is False


@given(st.integers(min_value=0, max_value=400))
def test_reauthentication_after_180_days(days):
    authorised = NOW - dt.timedelta(days=days)
    assert domain.needs_reauthentication(authorised, NOW) is (days >= 180)
    assert domain.needs_reauthentication(None, NOW) is False
