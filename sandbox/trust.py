"""Which of our clients the sandbox banks trust. The service's bank registry says it (its client
ids, secrets and private_key_jwt public keys, so they line up with the banks that serve them)
and hands it over as plain data: {sandbox bank id: [{"client_id", "secret" | "jwks"}]}."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sandbox.bank import BG, OB, Profile, SandboxBank, SandboxClient, default_banks
from sandbox.profiles import BgProfile


def sandbox_banks(clients: Mapping[str, Sequence[Mapping[str, Any]]], *,
                  psu_password: str = "sandbox", admin_token: str | None = None,
                  profiles: Mapping[str, Profile] | None = None,
                  bg_profiles: Mapping[str, BgProfile] | None = None,
                  tpp_ca_pem: bytes = b"") -> list[SandboxBank]:
    """The default sandbox banks, each trusting the clients listed for it; the UK banks named
    in `profiles` hold to the OB security profile with those switches, the Berlin Group banks
    named in `bg_profiles` to theirs (profiles.py), trusting TPP seal certificates issued by
    the CAs in `tpp_ca_pem`."""
    profiles, bg_profiles = profiles or {}, bg_profiles or {}
    banks = default_banks(psu_password)
    known = {b.id for b in banks if b.standard == OB}
    if set(profiles) - known:
        raise ValueError(f"security profiles apply to the UK sandbox banks {sorted(known)}, "
                         f"not {sorted(set(profiles) - known)}")
    known_bg = {b.id for b in banks if b.standard == BG}
    if set(bg_profiles) - known_bg:
        raise ValueError(f"Berlin Group profiles apply to the sandbox banks {sorted(known_bg)}, "
                         f"not {sorted(set(bg_profiles) - known_bg)}")
    for bank in banks:
        bank.admin_token = admin_token or None
        bank.profile = profiles.get(bank.id)
        bank.bg_profile = replace(bg_profiles.get(bank.id, BgProfile()), tpp_ca_pem=tpp_ca_pem)
        for client in clients.get(bank.id, ()):
            bank.register(SandboxClient(**client))
    return banks


def configured_banks(config: Mapping[str, Any],
                     clients: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[SandboxBank]:
    """`sandbox_banks` with the app's sandbox settings: password, admin token, profiles and
    the CA file of trusted TPP seal certificates."""
    return sandbox_banks(clients, psu_password=config["SANDBOX_PSU_PASSWORD"],
                         admin_token=config["SANDBOX_ADMIN_TOKEN"],
                         profiles=config["SANDBOX_BANK_PROFILES"],
                         bg_profiles=config["SANDBOX_BG_PROFILES"],
                         tpp_ca_pem=_read(config["SANDBOX_TPP_CA_FILE"]))


def _read(path: str) -> bytes:
    if not path:
        return b""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise ValueError(f"SANDBOX_TPP_CA_FILE: cannot read {path} ({exc.strerror}); "
                         "name a readable PEM file or leave it empty") from None
