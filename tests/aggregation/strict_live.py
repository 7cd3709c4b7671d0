"""Sandbox banks held to their standard's security profile, served over HTTPS from a sandbox CA
made for the test run, with a bank registry whose entries reach them the way a real bank is
reached: discovery, signed requests, the TPP's transport certificate for mutual TLS."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from flask import Flask

from aggregation.connectors.tls import SandboxCA, client_context, server_context
from aggregation.psu_browser import authorise
from aggregation.registry import BankRegistry
from sandbox import mount
from sandbox.bank import Profile
from sandbox.server import serve
from sandbox.trust import sandbox_banks
from tests.aggregation.live import Sandbox

TPP_ORG_ID = "PSDGB-FCA-123456"


@dataclass
class StrictSandbox(Sandbox):
    ca: SandboxCA
    folder: Path

    def sign_in(self, url: str, username: str, **options) -> dict[str, str]:
        """The PSU's browser (trusting the sandbox CA) through the bank's sign-in page."""
        with httpx.Client(timeout=10, verify=client_context(trust=[self.ca.cert_file])) as b:
            return authorise(url, username, client=b, **options)

    def registry_without_trust(self) -> BankRegistry:
        """The same banks, but the sandbox CA is not among the trusted roots."""
        return BankRegistry.load(self.folder / "banks.json", issuer=self.base_url,
                                 base_dir=self.folder)


def ob_entry(bank_id: str, sandbox: str, client: dict[str, Any], **extra) -> dict[str, Any]:
    return {"id": bank_id, "name": bank_id.title(), "standard": "ob-uk-4.0", "country": "GB",
            "auth_url": "{SANDBOX}/oauth/authorize", "token_url": "{SANDBOX}/oauth/token",
            "api_url": "{SANDBOX}/open-banking/v4.0/aisp", "sandbox": sandbox,
            "discovery_url": "{SANDBOX}/.well-known/openid-configuration",
            "client": client, **extra}


@contextmanager
def strict_sandbox(folder: Path, entries: list[dict[str, Any]],
                   profiles: Mapping[str, Profile]) -> Iterator[StrictSandbox]:
    """Serve the sandbox banks over HTTPS (client certificates requested, verified against the
    sandbox CA) with `profiles`, and a registry of `entries` trusting the sandbox CA; the
    TPP's transport certificate is `pki/tpp.pem` (organizationIdentifier `TPP_ORG_ID`)."""
    ca = SandboxCA(folder / "pki")
    ca.transport_identity("tpp", organisation="Open Banking Hub Ltd",
                          organization_identifier=TPP_ORG_ID)
    app = Flask("strict-sandbox-under-test")
    context = server_context(ca.server_identity(), client_ca=ca.cert_file)
    with serve(app, ssl_context=context) as base:
        (folder / "banks.json").write_text(json.dumps({"banks": entries}))
        registry = BankRegistry.load(folder / "banks.json", issuer=base, base_dir=folder)
        registry.trust(ca.cert_file)
        registry.ensure_sandbox_keys()
        banks = sandbox_banks(registry.sandbox_clients(), profiles=profiles)
        try:
            yield StrictSandbox(base, registry, mount(app, banks), ca, folder)
        finally:
            registry.close()
