"""Which of our clients the sandbox banks trust. The service's bank registry says it (its client
ids, secrets and private_key_jwt public keys, so they line up with the banks that serve them)
and hands it over as plain data: {sandbox bank id: [{"client_id", "secret" | "jwks"}]}."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sandbox.bank import SandboxBank, SandboxClient, default_banks


def sandbox_banks(clients: Mapping[str, Sequence[Mapping[str, Any]]], *,
                  psu_password: str = "sandbox", admin_token: str | None = None
                  ) -> list[SandboxBank]:
    """The default sandbox banks, each trusting the clients listed for it."""
    banks = default_banks(psu_password)
    for bank in banks:
        bank.admin_token = admin_token or None
        for client in clients.get(bank.id, ()):
            bank.register(SandboxClient(**client))
    return banks
