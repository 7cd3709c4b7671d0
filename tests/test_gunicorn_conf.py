"""gunicorn.conf.py: a worker warms its app up, then keeps the app's long-lived objects out
of full collections."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_post_worker_init_warms_the_app_then_freezes_what_it_holds():
    settings = runpy.run_path(str(CONF))
    frozen_when_warmed = []
    app = SimpleNamespace(extensions={"warmers": [
        lambda: frozen_when_warmed.append(gc.get_freeze_count())]})
    long_lived = [object() for _ in range(100)]  # stands in for what the app built
    gc.unfreeze()
    try:
        settings["post_worker_init"](SimpleNamespace(wsgi=app))
        assert frozen_when_warmed == [0]  # warmed first: what warming builds is frozen too
        assert gc.get_freeze_count() >= len(long_lived)
    finally:
        gc.unfreeze()


def test_worker_exit_hands_back_the_bulk_jobs_not_started():
    settings = runpy.run_path(str(CONF))
    calls = []
    executor = SimpleNamespace(shutdown=lambda **kw: calls.append(kw))
    settings["worker_exit"](None, SimpleNamespace(wsgi=SimpleNamespace(
        extensions={"cop_executor": executor})))
    assert calls == [{"wait": False, "cancel_futures": True}]
    settings["worker_exit"](None, SimpleNamespace(wsgi=SimpleNamespace(extensions={})))
