"""Consent fixtures: a fixed token key, a controllable clock, service-level helpers."""

from __future__ import annotations

import datetime as dt

import pytest

from consent.audit import Actor
from consent.crypto import generate_key_spec
from consent.service import Tpp

TEST_KEYS = generate_key_spec("t1")


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kwargs) -> None:
        self.now += dt.timedelta(**kwargs)


@pytest.fixture
def app_settings():
    return {"TOKEN_ENCRYPTION_KEYS": TEST_KEYS}


@pytest.fixture
def clock():
    return Clock(dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.UTC))


@pytest.fixture
def adapters(app, clock):
    adapters = app.extensions["consent"]
    adapters.clock = clock
    return adapters


@pytest.fixture
def tpp():
    return Tpp("client-a", "Budget Buddy")


@pytest.fixture
def tpp_actor(tpp):
    return Actor("tpp", tpp.client_id, "00000000-0000-4000-8000-000000000001")


def consent_body(permissions=("ReadAccountsBasic", "ReadBalances"), **data):
    return {"Data": {"Permissions": list(permissions), **data}, "Risk": {}}
