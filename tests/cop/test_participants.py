"""The register of requesting PSPs: BIC forms, one owner per BIC, the cached lookup."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop import participants
from cop.participants import CLIENT_INCONSISTENT, CLIENT_INVALID, ParticipantError, Register

BIC8 = st.from_regex(r"\A[A-Z]{6}[A-Z0-9]{2}\Z")


@given(BIC8, st.from_regex(r"\A[A-Z0-9]{3}\Z"))
def test_bic11_keeps_a_branch_and_gives_a_bic8_its_head_office(bic8, branch):
    assert participants.bic11(bic8) == bic8 + "XXX"
    assert participants.bic11(bic8 + branch) == bic8 + branch
    assert participants.bic11(f" {bic8.lower()} ") == bic8 + "XXX"


@pytest.mark.parametrize("bad", ["", "BNPAFR", "BNPAFRPPXX", "BNPA-RPPXXX", "BNPAFRPPXXXX"])
def test_bic11_refuses_what_is_not_a_bic(bad):
    with pytest.raises(ParticipantError):
        participants.bic11(bad)


@pytest.mark.parametrize(("owner", "caller", "code"), [
    (None, "me", CLIENT_INVALID), ("me", "me", None), ("them", "me", CLIENT_INCONSISTENT)])
def test_refusal(owner, caller, code):
    assert participants.refusal(owner, caller) == code


def test_a_bic_has_one_client_unless_replaced(session):
    assert participants.register(session, "BNPAFRPP", "client-a") == "BNPAFRPPXXX"
    assert participants.register(session, "BNPAFRPPXXX", "client-a") == "BNPAFRPPXXX"
    with pytest.raises(ParticipantError, match="another client"):
        participants.register(session, "BNPAFRPPXXX", "client-b")
    participants.register(session, "BNPAFRPPXXX", "client-b", replace=True)
    assert participants.listing(session) == [("BNPAFRPPXXX", "client-b")]
    assert participants.remove(session, "BNPAFRPP") is True
    assert participants.remove(session, "BNPAFRPP") is False
    assert participants.listing(session) == []


def test_register_reads_through_its_cache(app, session):
    register = Register(app.extensions["session_factory"], ttl=3600)
    assert register.owner("BNPAFRPPXXX") is None  # a miss is cached too
    participants.register(session, "BNPAFRPP", "client-a")
    assert register.owner("BNPAFRPP") is None
    register.forget()
    assert register.owner("BNPAFRPP") == "client-a"
    assert register.owner("BNPAFRPPXXX") == "client-a"


def test_refused_names_each_position_and_looks_each_bic_up_once(app, session, monkeypatch):
    participants.register(session, "BNPAFRPP", "me")
    participants.register(session, "COBADEFF", "them")
    register = Register(app.extensions["session_factory"])
    looked_up = []
    load = register._load
    monkeypatch.setattr(register, "_load", lambda bic: looked_up.append(bic) or load(bic))
    bics = ["BNPAFRPPXXX", "COBADEFFXXX", "DEUTDEFFXXX", "COBADEFFXXX", "BNPAFRPPXXX"]
    assert register.refused(bics, "me") == {1: CLIENT_INCONSISTENT, 2: CLIENT_INVALID,
                                            3: CLIENT_INCONSISTENT}
    assert sorted(looked_up) == ["BNPAFRPPXXX", "COBADEFFXXX", "DEUTDEFFXXX"]
    assert register.refused(["BNPAFRPP"], "me") == {}
