"""Warm-up steps run once as a worker starts; one that fails is logged and skipped."""

from __future__ import annotations

import json

from core.warm import add_warmer, warm


def test_every_step_runs_and_a_failing_one_is_named_not_raised(app, capsys):
    ran = []

    def broken():
        raise ConnectionError("database away")

    add_warmer(app, broken)
    add_warmer(app, lambda: ran.append("after"))
    failed = warm(app)
    assert ran == ["after"]
    assert [name.rsplit(".", 1)[-1] for name in failed] == ["broken"]
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert any(line["event"] == "warm_up_step_failed" and line["error_type"] == "ConnectionError"
               for line in lines)


def test_the_app_opens_its_database_and_redis_connections(app):
    engine = app.extensions["engine"]
    engine.dispose()
    assert warm(app) == []
    assert engine.pool.checkedin() >= 1  # a pooled connection now waits for the first request


def test_an_object_without_extensions_is_nothing_to_warm():
    assert warm(None) == []
