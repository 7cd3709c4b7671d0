"""The tighter limit on name disclosures, on the configured storage and with it down."""

from __future__ import annotations

import uuid

import pytest
import redis

from cop.limits import disclosure_gate
from core.ratelimit import OneTripFixedWindow, limiter


@pytest.fixture
def gate(app):
    app.config["COP_DISCLOSURE_LIMIT"] = "2/hour"
    return disclosure_gate(app)


def test_counts_disclosures_per_client(app, gate):
    one, two = str(uuid.uuid4()), str(uuid.uuid4())
    with app.test_request_context():
        assert gate(one, 2) is None
        wait = gate(one, 1)
        assert wait is not None and 1 <= wait <= 3600
        assert gate(two, 1) is None


def test_storage_down_counts_in_this_process_instead_of_lifting_the_limit(
        app, gate, monkeypatch):
    def down(*_args, **_kwargs):
        raise redis.ConnectionError("refused")

    strategy = type(limiter.limiter)
    assert issubclass(strategy, OneTripFixedWindow)  # the configured strategy is the one down
    monkeypatch.setattr(strategy, "hit", down)
    client = str(uuid.uuid4())
    with app.test_request_context():
        assert [gate(client, 1), gate(client, 1)] == [None, None]
        wait = gate(client, 1)
    assert wait is not None and wait >= 1
