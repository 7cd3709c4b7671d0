"""The gunicorn worker that spreads a burst of new connections over the workers."""

from __future__ import annotations

import runpy
from pathlib import Path

from gunicorn.workers.gthread import ThreadWorker

from core import workers

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_accept_steps_back_after_each_connection(monkeypatch):
    pauses, accepted = [], []
    monkeypatch.setattr(workers.time, "sleep", pauses.append)
    monkeypatch.setattr(ThreadWorker, "accept", lambda self, listener: accepted.append(listener))
    worker = workers.SpreadingThreadWorker.__new__(workers.SpreadingThreadWorker)
    worker.accept("listener")
    worker.accept("listener")
    assert accepted == ["listener", "listener"]
    assert pauses == [workers.ACCEPT_PAUSE_SECONDS] * 2


def test_gunicorn_runs_it_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("GUNICORN_WORKER_CLASS", raising=False)
    assert runpy.run_path(str(CONF))["worker_class"] == "core.workers.SpreadingThreadWorker"
    monkeypatch.setenv("GUNICORN_WORKER_CLASS", "gthread")
    assert runpy.run_path(str(CONF))["worker_class"] == "gthread"
