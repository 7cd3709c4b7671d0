"""This package's rows of the settings table (see core.config.load_settings):
name -> (default, parser, description), parsed once when the app is created."""

from __future__ import annotations

from sandbox.bank import Profile


def bank_profiles(value: str) -> dict[str, Profile]:
    """`bank=switches[,bank=switches]` -> {bank id: Profile}, e.g.
    `northgate=jarm+par+mtls,thamesmoor=hybrid`."""
    found = {}
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        bank_id, sep, switches = item.partition("=")
        if not sep or not bank_id.strip():
            raise ValueError("bank=switches[,bank=switches], e.g. northgate=jarm+par+mtls")
        found[bank_id.strip()] = Profile.parse(switches)
    return found


SETTINGS: dict = {
    "SANDBOX_PSU_PASSWORD": ("sandbox", str, "The seeded sandbox PSUs' password"),
    "SANDBOX_ADMIN_TOKEN": ("", str, "Bearer token the sandbox banks' admin endpoints "
                            "(fault switches) require; unset: none"),
    "SANDBOX_BANK_PROFILES": ({}, bank_profiles, "UK sandbox banks held to the OB security "
                              "profile, bank=switches: hybrid|jarm, par|by-value, mtls, e.g. "
                              "northgate=jarm+par+mtls; unset: none (the lenient default)"),
}

SECRETS = {"SANDBOX_ADMIN_TOKEN", "SANDBOX_PSU_PASSWORD"}
