"""This package's rows of the settings table (see core.config.load_settings):
name -> (default, parser, description), parsed once when the app is created."""

from __future__ import annotations

from sandbox.bank import Profile
from sandbox.profiles import BgProfile


def _per_bank(value: str, parse, example: str) -> dict:
    """`bank=switches[,bank=switches]` -> {bank id: parse(switches)}."""
    found = {}
    for item in (part.strip() for part in value.split(",")):
        if not item:
            continue
        bank_id, sep, switches = item.partition("=")
        if not sep or not bank_id.strip():
            raise ValueError(f"bank=switches[,bank=switches], e.g. {example}")
        found[bank_id.strip()] = parse(switches)
    return found


def bank_profiles(value: str) -> dict[str, Profile]:
    """`northgate=jarm+par+mtls,thamesmoor=hybrid` -> {bank id: Profile}."""
    return _per_bank(value, Profile.parse, "northgate=jarm+par+mtls")


def bg_profiles(value: str) -> dict[str, BgProfile]:
    """`rheinfeld=decoupled+signing+poll:3` -> {bank id: BgProfile}."""
    return _per_bank(value, BgProfile.parse, "rheinfeld=decoupled+signing")


SETTINGS: dict = {
    "SANDBOX_PSU_PASSWORD": ("sandbox", str, "The seeded sandbox PSUs' password"),
    "SANDBOX_ADMIN_TOKEN": ("", str, "Bearer token the sandbox banks' admin endpoints "
                            "(fault switches) require; unset: none"),
    "SANDBOX_BANK_PROFILES": ({}, bank_profiles, "UK sandbox banks held to the OB security "
                              "profile, bank=switches: hybrid|jarm, par|by-value, mtls, e.g. "
                              "northgate=jarm+par+mtls; unset: none (the lenient default)"),
    "SANDBOX_BG_PROFILES": ({}, bg_profiles, "Berlin Group sandbox banks' profile, "
                            "bank=switches: redirect-oauth|redirect|decoupled|embedded, "
                            "signing, mtls, poll:N (seconds), e.g. rheinfeld=decoupled+signing; "
                            "unset: redirect with the OAuth2 pre-step, unsigned"),
    "SANDBOX_TPP_CA_FILE": ("", str, "PEM file of the CA certificates whose TPP seal "
                            "certificates (QSealC) the signing sandbox banks trust"),
}

SECRETS = {"SANDBOX_ADMIN_TOKEN", "SANDBOX_PSU_PASSWORD"}
