"""gunicorn.conf.py: a loaded worker's long-lived objects are kept out of full collections."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def test_post_worker_init_freezes_what_the_app_holds():
    settings = runpy.run_path(str(CONF))
    long_lived = [object() for _ in range(100)]  # stands in for what the app built
    try:
        settings["post_worker_init"](worker=None)
        assert gc.get_freeze_count() >= len(long_lived)
    finally:
        gc.unfreeze()
