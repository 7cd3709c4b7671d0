"""This package's rows of the settings table (see core.config.load_settings):
name -> (default, parser, description), parsed once when the app is created."""

from __future__ import annotations

from core.config import number

SETTINGS: dict = {
    "CONSENT_ACCESS_FLUSH_SECONDS": (
        None, number, "How often each worker chains queued data-access events into the audit "
        "trail; unset: every second (tests: only when asked)"),
}
