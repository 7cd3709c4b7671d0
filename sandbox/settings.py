"""This package's rows of the settings table (see core.config.load_settings):
name -> (default, parser, description), parsed once when the app is created."""

from __future__ import annotations

from sandbox.profiles import bank_profiles

SETTINGS: dict = {
    "SANDBOX_PSU_PASSWORD": ("sandbox", str, "The seeded sandbox PSUs' password"),
    "SANDBOX_ADMIN_TOKEN": ("", str, "Bearer token the sandbox banks' admin endpoints "
                            "(fault switches) require; unset: none"),
    "SANDBOX_BANK_PROFILES": ("", bank_profiles, "Per sandbox Berlin Group bank, JSON: "
                              "sca_approach (redirect-oauth|redirect|decoupled), "
                              "signing_required, mtls_required, poll_seconds"),
    "SANDBOX_TPP_CA_FILE": ("", str, "PEM file of the CA certificates whose TPP seal "
                            "certificates the strict sandbox banks trust"),
}

SECRETS = {"SANDBOX_ADMIN_TOKEN", "SANDBOX_PSU_PASSWORD"}
