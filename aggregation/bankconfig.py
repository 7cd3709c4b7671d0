"""One bank's entry in the registry, parsed: who the bank is, which standard it speaks, where,
and which of our credentials it takes (references only, never secrets)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from aggregation.connectors.client_auth import SIGNING_ALGS

STANDARDS = ("ob-uk-4.0", "berlin-group-1.3")
AUTH_METHODS = ("client_secret_basic", "private_key_jwt", "tls_client_auth")


class RegistryError(ValueError):
    """The registry file is wrong, or names a bank we do not know."""


@dataclass(frozen=True)
class ClientCredentials:
    """Our client at one bank."""

    client_id: str
    auth_method: str = "client_secret_basic"
    secret_ref: str | None = None  # client_secret_basic
    signing_key_ref: str | None = None  # private_key_jwt: PEM private key
    signing_alg: str = "ES256"
    mtls_cert_ref: str | None = None  # file: PEM certificate chain
    mtls_key_ref: str | None = None  # file: PEM private key
    qseal_cert_ref: str | None = None  # Berlin Group signing: PEM QSealC (file: or env:)
    qseal_key_ref: str | None = None  # its RSA private key
    request_signing_key_ref: str | None = None  # OB profile: request objects (else signing_key)
    request_signing_alg: str = "PS256"


@dataclass(frozen=True)
class BankConfig:
    """A bank as the connectors need it: its standard, its three endpoints, our client there,
    and how we agreed to call it (timeouts, unattended reads, SCA waits)."""

    id: str
    name: str
    standard: str
    country: str
    auth_url: str  # the PSU is sent here
    token_url: str
    api_url: str  # OB: …/open-banking/v4.0/aisp; Berlin Group: the host before /v1
    client: ClientCredentials
    bic: str | None = None
    sort_codes: tuple[str, ...] = ()
    mtls: bool = False  # the bank wants a client certificate on every call
    sandbox: str | None = None  # the sandbox bank serving it, if any
    discovery_url: str | None = None  # OB security profile (FAPI 1.0 Advanced) when set
    scope: str = "accounts"
    frequency_per_day: int = 4  # unattended reads a day agreed with the bank (RTS Art. 36(5))
    signing: bool = False  # Berlin Group: the bank wants Digest + Signature with our QSealC
    sca_poll_seconds: float = 5.0  # decoupled SCA: wait between looks when the bank says not
    sca_deadline_seconds: float = 300.0  # decoupled SCA: stop waiting for the PSU after this
    connect_timeout: float = 2.0
    read_timeout: float = 5.0

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "standard": self.standard,
                "country": self.country, "bic": self.bic, "sort_codes": list(self.sort_codes),
                "auth_url": self.auth_url, "token_url": self.token_url, "api_url": self.api_url,
                "client_id": self.client.client_id, "auth_method": self.client.auth_method,
                "mtls": self.mtls, "signing": self.signing, "sandbox": self.sandbox,
                "frequency_per_day": self.frequency_per_day,
                "timeouts": {"connect": self.connect_timeout, "read": self.read_timeout}}


def parse_bank(entry: dict[str, Any], issuer: str, sandbox_base: str | None = None,
               bank_urls: dict[str, str] | None = None) -> BankConfig:
    sandbox_id = entry.get("sandbox") or entry.get("id", "")
    sandbox = (bank_urls or {}).get(sandbox_id) or \
        f"{(sandbox_base or issuer).rstrip('/')}/sandbox/{sandbox_id}"
    try:
        entry = {k: _expand(v, issuer, sandbox.rstrip("/")) for k, v in entry.items()}
        client = ClientCredentials(**entry.pop("client"))
        entry["sort_codes"] = tuple(entry.get("sort_codes", ()))
        known = {f.name for f in fields(BankConfig)}
        unknown = set(entry) - known
        if unknown:
            raise RegistryError(f"unknown keys {sorted(unknown)}")
        bank = BankConfig(client=client, **entry)
    except (TypeError, KeyError) as exc:
        raise RegistryError(f"bank entry {entry.get('id', '?')}: {exc}") from exc
    if bank.standard not in STANDARDS:
        raise RegistryError(f"{bank.id}: standard must be one of {STANDARDS}")
    if client.auth_method not in AUTH_METHODS:
        raise RegistryError(f"{bank.id}: auth_method must be one of {AUTH_METHODS}")
    if bank.signing and (bank.standard != "berlin-group-1.3" or not client.qseal_cert_ref
                         or not client.qseal_key_ref):
        raise RegistryError(f"{bank.id}: signing is for Berlin Group banks and needs "
                            "client.qseal_cert_ref and client.qseal_key_ref")
    if not 0 < bank.sca_poll_seconds <= bank.sca_deadline_seconds:
        raise RegistryError(f"{bank.id}: sca_poll_seconds is above 0 and at most "
                            "sca_deadline_seconds")
    if client.auth_method == "private_key_jwt" and client.signing_alg not in SIGNING_ALGS:
        raise RegistryError(f"{bank.id}: private_key_jwt signs with {SIGNING_ALGS}")
    if client.request_signing_alg not in SIGNING_ALGS:
        raise RegistryError(f"{bank.id}: request objects are signed with {SIGNING_ALGS}")
    return bank


def _expand(value: Any, issuer: str, sandbox: str) -> Any:
    if isinstance(value, str):
        return value.replace("{ISSUER}", issuer).replace("{SANDBOX}", sandbox)
    if isinstance(value, dict):
        return {k: _expand(v, issuer, sandbox) for k, v in value.items()}
    return value
