"""Which of our clients the sandbox banks trust. The service's bank registry says it (its client
ids, secrets and private_key_jwt public keys, so they line up with the banks that serve them)
and hands it over as plain data: {sandbox bank id: [{"client_id", "secret" | "jwks"}]}."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sandbox.bank import OB, Profile, SandboxBank, SandboxClient, default_banks


def sandbox_banks(clients: Mapping[str, Sequence[Mapping[str, Any]]], *,
                  psu_password: str = "sandbox", admin_token: str | None = None,
                  profiles: Mapping[str, Profile] | None = None) -> list[SandboxBank]:
    """The default sandbox banks, each trusting the clients listed for it; the UK banks named
    in `profiles` hold to the OB security profile with those switches."""
    profiles = profiles or {}
    banks = default_banks(psu_password)
    known = {b.id for b in banks if b.standard == OB}
    if set(profiles) - known:
        raise ValueError(f"security profiles apply to the UK sandbox banks {sorted(known)}, "
                         f"not {sorted(set(profiles) - known)}")
    for bank in banks:
        bank.admin_token = admin_token or None
        bank.profile = profiles.get(bank.id)
        for client in clients.get(bank.id, ()):
            bank.register(SandboxClient(**client))
    return banks
