"""x-idempotency-key records: replay, conflict on another body, key validation."""

from __future__ import annotations

import pytest

from core import idempotency
from core.errors import Problem


def test_replay_and_conflict(session):
    h1 = idempotency.fingerprint({"a": 1})
    with session.begin():
        assert idempotency.lookup(session, "c1", "k", "/x", h1) is None
        idempotency.remember(session, "c1", "k", "/x", h1, 201, {"id": "1"})
    with session.begin():
        stored = idempotency.lookup(session, "c1", "k", "/x", h1)
    assert stored == idempotency.StoredResponse(201, {"id": "1"})
    with session.begin(), pytest.raises(Problem) as err:
        idempotency.lookup(session, "c1", "k", "/x", idempotency.fingerprint({"a": 2}))
    assert err.value.slug == "idempotency-key-reused"
    assert err.value.status == 409
    with session.begin():
        assert idempotency.lookup(session, "c2", "k", "/x", h1) is None


@pytest.mark.parametrize("key", ["", " lead", "trail ", "x" * 41])
def test_bad_keys_rejected(key):
    with pytest.raises(Problem):
        idempotency.validate_key(key)


def test_fingerprint_ignores_key_order():
    assert idempotency.fingerprint({"a": 1, "b": 2}) == idempotency.fingerprint({"b": 2, "a": 1})
