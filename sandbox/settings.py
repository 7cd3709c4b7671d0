"""This package's rows of the settings table (see core.config.load_settings):
name -> (default, parser, description), parsed once when the app is created."""

from __future__ import annotations

SETTINGS: dict = {
    "SANDBOX_PSU_PASSWORD": ("sandbox", str, "The seeded sandbox PSUs' password"),
    "SANDBOX_ADMIN_TOKEN": ("", str, "Bearer token the sandbox banks' admin endpoints "
                            "(fault switches) require; unset: none"),
}

SECRETS = {"SANDBOX_ADMIN_TOKEN", "SANDBOX_PSU_PASSWORD"}
