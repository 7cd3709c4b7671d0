"""PSU accounts: scrypt hashes with per-user salt, lock-out after 5 failures for 15 minutes."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from auth import psu


def test_hash_is_salted_scrypt():
    one, two = psu.hash_password("pw"), psu.hash_password("pw")
    assert one.startswith("scrypt$") and one != two
    assert psu.verify_password("pw", one) and not psu.verify_password("px", one)
    assert not psu.verify_password("pw", "garbage")


def test_sign_in(session):
    with session.begin():
        created = psu.create_psu(session, "alice", "s3cret!", "Alice Smith")
    assert psu.sign_in(session, "alice", "s3cret!") == created
    with pytest.raises(psu.SignInFailed):
        psu.sign_in(session, "alice", "wrong")
    with pytest.raises(psu.SignInFailed):
        psu.sign_in(session, "nobody", "s3cret!")


def test_lockout_after_five_failures(session):
    with session.begin():
        psu.create_psu(session, "bob", "right")
    start = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            with pytest.raises(psu.SignInFailed, match="wrong password"):
                psu.sign_in(session, "bob", "wrong")
        with pytest.raises(psu.SignInFailed, match="locked"):
            psu.sign_in(session, "bob", "right")
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        with pytest.raises(psu.SignInFailed, match="locked"):
            psu.sign_in(session, "bob", "right")
    with time_machine.travel(start + dt.timedelta(minutes=16), tick=False):
        assert psu.sign_in(session, "bob", "right").username == "bob"


def test_success_resets_the_counter(session):
    with session.begin():
        psu.create_psu(session, "carol", "right")
    for _ in range(4):
        with pytest.raises(psu.SignInFailed):
            psu.sign_in(session, "carol", "wrong")
    psu.sign_in(session, "carol", "right")
    for _ in range(4):
        with pytest.raises(psu.SignInFailed):
            psu.sign_in(session, "carol", "wrong")
    assert psu.sign_in(session, "carol", "right")


def test_demo_psus_seeded_once(session):
    with session.begin():
        assert psu.seed_demo_psus(session, "pw") == ["alice", "bob", "carol"]
    with session.begin():
        assert psu.seed_demo_psus(session, "pw") == []
