"""The code store alone, on whichever Redis the tests run with (in-process or a server)."""

from __future__ import annotations

import pytest

from auth.codes import MAX_FAILED_ATTEMPTS, CodeGrant, CodeStore


@pytest.fixture
def redis_client(app):
    return app.extensions["redis"]


def _grant() -> CodeGrant:
    return CodeGrant(client_id="c1", redirect_uri="https://tpp.example/cb", scope="accounts",
                     code_challenge="x" * 43, grant_id="g1", psu_id="alice")


def test_look_consumes_nothing(redis_client):
    store = CodeStore(redis_client)
    code = store.issue(_grant(), 60)
    assert store.look(code) == (_grant(), None)
    assert store.look(code) == (_grant(), None)


def test_consume_once_then_replay_names_the_grant(redis_client):
    store = CodeStore(redis_client)
    code = store.issue(_grant(), 60)
    assert store.consume(code) == (_grant(), None)
    assert store.consume(code) == (None, "g1")
    assert store.look(code) == (None, "g1")


def test_failures_burn_after_the_limit(redis_client):
    store = CodeStore(redis_client)
    code = store.issue(_grant(), 60)
    assert [store.fail(code) for _ in range(MAX_FAILED_ATTEMPTS)] == (
        [False] * (MAX_FAILED_ATTEMPTS - 1) + [True])
    # burnt, not used: unknown, and nothing to revoke
    assert store.look(code) == (None, None)
    assert store.consume(code) == (None, None)


def test_unknown_and_malformed_codes(redis_client):
    store = CodeStore(redis_client)
    assert store.look("nope") == (None, None)
    assert store.look(None) == (None, None)
    assert store.look("x" * 300) == (None, None)
