"""WSGI entry point: `gunicorn wsgi:app -c gunicorn.conf.py`, `flask --app wsgi …`.

A malformed setting stops the start with one line naming it (no stack), and exit status 3,
which gunicorn's arbiter reads as "the worker cannot boot" and stops instead of respawning.
"""

import sys

from core.app import create_app
from core.config import SettingError

try:
    app = create_app()
except SettingError as exc:
    print(f"error: {exc}", file=sys.stderr)
    raise SystemExit(3) from None
