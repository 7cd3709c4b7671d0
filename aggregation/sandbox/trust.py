"""Which of our clients the sandbox banks trust: read from the bank registry, so the registry's
client ids, secrets and private_key_jwt public keys line up with the banks that serve them."""

from __future__ import annotations

from aggregation.connectors.client_auth import load_signing_key
from aggregation.registry import BankRegistry, RegistryError
from aggregation.sandbox.bank import SandboxBank, SandboxClient, default_banks
from core.config import INSTANCE_DIR


def sandbox_banks_for(registry: BankRegistry | None, *, psu_password: str = "sandbox",
                      admin_token: str | None = None) -> list[SandboxBank]:
    if registry is None:
        registry = default_registry()
    banks = {b.id: b for b in default_banks(psu_password)}
    for bank in banks.values():
        bank.admin_token = admin_token or None
    for config in registry.all():
        target = banks.get(config.sandbox or "")
        if target is None:
            continue
        creds = config.client
        if creds.auth_method == "private_key_jwt":
            key = load_signing_key(registry.resolve(creds.signing_key_ref, config),
                                   creds.signing_alg)
            public = key.as_dict(private=False)
            public.update(alg=creds.signing_alg, use="sig")
            target.register(SandboxClient(creds.client_id, jwks=[public]))
        elif creds.auth_method == "client_secret_basic":
            target.register(SandboxClient(creds.client_id,
                                          secret=registry.resolve(creds.secret_ref, config)))
        else:
            raise RegistryError(f"{config.id}: the sandbox cannot check {creds.auth_method}")
    return list(banks.values())


def default_registry() -> BankRegistry:
    registry = BankRegistry.load(issuer="http://127.0.0.1", base_dir=INSTANCE_DIR)
    registry.ensure_sandbox_keys()
    return registry
