"""The bank registry: which banks we reach, by which standard, where, and with which of our
credentials. Loaded from a JSON file (`aggregation/data/banks.json` by default, or
`BANKS_FILE`). In URLs, `{ISSUER}` is our own base URL and `{SANDBOX}` the base URL of the
sandbox bank named by the entry's `sandbox`: `{ISSUER}/sandbox/<bank>` when the sandboxes are
mounted in this server (the embedded default), `SANDBOX_BASE_URL/sandbox/<bank>` when they run
as another process, or a per-bank URL from `SANDBOX_BANK_URLS`.

Secrets are never in the file, only references: `env:NAME` (an environment variable),
`file:PATH` (relative to the instance directory), or `sandbox:VALUE` (a literal, accepted only
for sandbox banks). No Flask here.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from joserfc.jwk import ECKey, RSAKey

from aggregation.bankconfig import BankConfig, ClientCredentials, RegistryError, parse_bank
from aggregation.connectors.base import BankConnector
from aggregation.connectors.berlin_group import BerlinGroupConnector
from aggregation.connectors.bg_signing import SealSigner, SigningSetupError
from aggregation.connectors.client_auth import (
    ClientAuth,
    PrivateKeyJwt,
    SecretBasic,
    TlsClientAuth,
    load_signing_key,
)
from aggregation.connectors.http_client import make_http_client
from aggregation.connectors.ob_security import RequestSigner
from aggregation.connectors.ob_uk import ObUkConnector
from aggregation.connectors.tls import SandboxCA, TlsIdentity, client_context, subject_dn
from core.banks import BankInfo
from core.logging import get_logger

log = get_logger(__name__)

DEFAULT_FILE = Path(__file__).parent / "data" / "banks.json"
SANDBOX_CA_FOLDER = "sandbox-ca"  # under the instance folder: the sandbox CA (never committed)
CONNECTORS = {"ob-uk-4.0": ObUkConnector, "berlin-group-1.3": BerlinGroupConnector}


class BankRegistry:
    """Bank configurations plus their connectors, built once; each bank's connector keeps one
    pooled HTTP client (keep-alive connections to that bank) for the life of the process."""

    def __init__(self, banks: list[BankConfig], *, base_dir: str | Path = ".") -> None:
        ids = [b.id for b in banks]
        if len(ids) != len(set(ids)):
            raise RegistryError("bank ids must be unique")
        self._banks = {b.id: b for b in banks}
        self.base_dir = Path(base_dir)
        self._lock = threading.Lock()
        self._connectors: dict[str, BankConnector] = {}
        self._clients: dict[str, httpx.Client] = {}
        self._in_process: Any = None  # connectors.loopback.LoopbackTransport, when mounted here
        self.trust_anchors: tuple[str, ...] = ()  # extra CA files (the sandbox CA) for banks

    @classmethod
    def load(cls, path: str | Path | None = None, *, issuer: str, base_dir: str | Path = ".",
             sandbox_base: str | None = None,
             bank_urls: dict[str, str] | None = None) -> BankRegistry:
        path = Path(path) if path else DEFAULT_FILE
        try:
            entries = json.loads(path.read_text())["banks"]
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise TypeError("banks is a list of objects")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise RegistryError(f"cannot read bank registry {path}: {exc}") from exc
        return cls([parse_bank(e, issuer.rstrip("/"), sandbox_base, bank_urls)
                    for e in entries], base_dir=base_dir)

    def all(self) -> list[BankConfig]:
        return list(self._banks.values())

    def banks(self) -> list[BankInfo]:
        """The registry as a `core.banks.BankDirectory`: what consent and status see of it."""
        return [BankInfo(b.id, b.name, b.standard) for b in self._banks.values()]

    def ids(self) -> list[str]:
        return list(self._banks)

    def get(self, bank_id: str) -> BankConfig:
        try:
            return self._banks[bank_id]
        except KeyError:
            raise RegistryError(f"unknown bank {bank_id!r}") from None

    def __contains__(self, bank_id: object) -> bool:
        return bank_id in self._banks

    def connector(self, bank_id: str) -> BankConnector:
        with self._lock:
            if bank_id not in self._connectors:
                bank = self.get(bank_id)
                extra = {}
                if bank.standard == "ob-uk-4.0" and bank.discovery_url:
                    extra = {"signer": self.request_signer(bank),
                             "auth_methods": self.auth_methods(bank)}
                elif bank.signing:
                    extra = {"signer": self.seal_signer(bank)}
                self._connectors[bank_id] = CONNECTORS[bank.standard](
                    bank, self._client_for(bank), self.client_auth(bank), **extra)
            return self._connectors[bank_id]

    def trust(self, *ca_files: str | Path) -> None:
        """Trust these CA files too for the banks' server certificates (the sandbox CA, a
        bank's private root). Call before the connectors are built."""
        with self._lock:
            self.trust_anchors = (*self.trust_anchors, *(str(f) for f in ca_files))

    def request_signer(self, bank: BankConfig) -> RequestSigner | None:
        """Our request-object key at an OB-profile bank: `request_signing_key_ref`, else the
        private_key_jwt key when its algorithm is the one asked for."""
        creds = bank.client
        ref = creds.request_signing_key_ref or (
            creds.signing_key_ref if creds.signing_alg == creds.request_signing_alg else None)
        if not ref:
            return None
        return RequestSigner(creds.client_id, load_signing_key(self.resolve(ref, bank),
                                                               creds.request_signing_alg),
                             creds.request_signing_alg)

    def auth_methods(self, bank: BankConfig) -> list[tuple[str, ClientAuth]]:
        """Every token-endpoint authentication our credentials at `bank` allow, the configured
        one first: the connector takes the first the bank's discovery lists."""
        creds = bank.client
        methods = [(creds.auth_method, self.client_auth(bank))]
        if creds.auth_method != "private_key_jwt" and creds.signing_key_ref:
            methods.append(("private_key_jwt", PrivateKeyJwt(
                creds.client_id, load_signing_key(self.resolve(creds.signing_key_ref, bank),
                                                  creds.signing_alg), creds.signing_alg)))
        if creds.auth_method != "tls_client_auth" and creds.mtls_cert_ref:
            methods.append(("tls_client_auth", TlsClientAuth(creds.client_id)))
        return methods

    def warm(self) -> list[str]:
        """Build every bank's connector now (HTTP pool, credentials, signing key), as a worker
        starts, instead of inside its first reads. The ids of banks that could not be built:
        they are left to fail on use, with the error their reads report."""
        failed = []
        for bank in self.all():
            try:
                self.connector(bank.id)
            except Exception as exc:  # noqa: BLE001 - one bad bank must not stop the rest
                failed.append(bank.id)
                log.warning("bank_connector_not_built", bank_id=bank.id,
                            error_type=type(exc).__name__)
        return failed

    def client_auth(self, bank: BankConfig) -> ClientAuth:
        creds = bank.client
        if creds.auth_method == "private_key_jwt":
            pem = self.resolve(creds.signing_key_ref, bank)
            return PrivateKeyJwt(creds.client_id, load_signing_key(pem, creds.signing_alg),
                                 creds.signing_alg)
        if creds.auth_method == "tls_client_auth":
            return TlsClientAuth(creds.client_id)
        return SecretBasic(creds.client_id, self.resolve(creds.secret_ref, bank))

    def seal_signer(self, bank: BankConfig) -> SealSigner:
        """The QSealC and key a signing Berlin Group bank's requests are signed with."""
        creds = bank.client
        try:
            return SealSigner.from_pem(self.resolve(creds.qseal_cert_ref, bank),
                                          self.resolve(creds.qseal_key_ref, bank))
        except SigningSetupError as exc:
            raise RegistryError(f"{bank.id}: {exc}") from None

    def resolve(self, ref: str | None, bank: BankConfig) -> str:
        """A secret from its reference; never logged."""
        if not ref:
            raise RegistryError(f"{bank.id}: a credential reference is missing")
        scheme, _, value = ref.partition(":")
        if scheme == "env" and value in os.environ:
            return os.environ[value]
        if scheme == "file":
            try:
                return self.path(value).read_text()
            except OSError as exc:
                raise RegistryError(f"{bank.id}: cannot read {ref}") from exc
        if scheme == "sandbox" and bank.sandbox:
            return value
        raise RegistryError(f"{bank.id}: cannot resolve credential reference {scheme}:…")

    def path(self, value: str) -> Path:
        path = Path(value)
        return path if path.is_absolute() else self.base_dir / path

    def ensure_sandbox_keys(self) -> list[Path]:
        """Make the private_key_jwt keys of sandbox banks that do not have one yet (ES256: EC
        P-256; PS256: RSA 2048). Keys of real banks are provisioned, never made here."""
        made = []
        for bank in self.all():
            creds = bank.client
            for ref, alg in ((creds.signing_key_ref, creds.signing_alg),
                             (creds.request_signing_key_ref, creds.request_signing_alg)):
                if not (bank.sandbox and ref and ref.startswith("file:")):
                    continue
                path = self.path(ref[5:])
                if path.exists():
                    continue
                key = ECKey.generate_key("P-256") if alg == "ES256" \
                    else RSAKey.generate_key(2048)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.touch(mode=0o600)
                path.write_bytes(key.as_pem(private=True))
                made.append(path)
        return made

    def sandbox_clients(self) -> dict[str, list[dict[str, Any]]]:
        """What the sandbox banks must trust, as plain data: per sandbox bank, our client id
        with its secret (client_secret_basic) or its public key (private_key_jwt)."""
        trusted: dict[str, list[dict[str, Any]]] = {}
        for bank in self.all():
            if not bank.sandbox:
                continue
            creds = bank.client
            client: dict[str, Any] = {"client_id": creds.client_id, "jwks": []}
            for ref, alg in ((creds.signing_key_ref, creds.signing_alg),
                             (creds.request_signing_key_ref, creds.request_signing_alg)):
                if ref:
                    key = load_signing_key(self.resolve(ref, bank), alg)
                    client["jwks"].append({**key.as_dict(private=False), "alg": alg,
                                           "use": "sig"})
            if creds.secret_ref:
                client["secret"] = self.resolve(creds.secret_ref, bank)
            if creds.mtls_cert_ref:  # tls_client_auth: the bank matches our subject DN
                client["tls_subject"] = subject_dn(self.resolve(creds.mtls_cert_ref, bank))
            if not (client["jwks"] or creds.secret_ref or creds.mtls_cert_ref):
                raise RegistryError(f"{bank.id}: the sandbox cannot check {creds.auth_method}")
            trusted.setdefault(bank.sandbox, []).append(client)
        return trusted

    def serve_in_process(self, transport: Any) -> None:
        """Send calls under `transport.prefix` (the sandbox banks mounted in this server) to
        `transport` instead of over a socket; see connectors/loopback.py. Call before use."""
        with self._lock:
            self._in_process = transport

    def _client_for(self, bank: BankConfig) -> httpx.Client:
        # One pool per bank, never one for all: httpcore's pool scans every connection it holds
        # (polling each idle socket) twice per request under one lock, so a pool shared by
        # twenty banks made each call cost milliseconds of CPU at a few hundred connections.
        wants_cert = bank.mtls or bank.client.auth_method == "tls_client_auth"
        identity = f"mtls:{bank.id}" if wants_cert else f"bank:{bank.id}"
        if identity not in self._clients:
            context = None
            presented = None
            if wants_cert:
                cert, key = bank.client.mtls_cert_ref, bank.client.mtls_key_ref
                if not (cert and key and cert.startswith("file:") and key.startswith("file:")):
                    raise RegistryError(f"{bank.id}: mTLS needs file: cert and key references")
                presented = TlsIdentity(str(self.path(cert[5:])), str(self.path(key[5:])))
            if presented is not None or self.trust_anchors:
                context = client_context(trust=self.trust_anchors, identity=presented)
            mounts = None
            if not wants_cert and self._in_process is not None:
                origin = "{0.scheme}://{0.netloc}".format(urlsplit(self._in_process.prefix))
                mounts = {origin: self._in_process}
            self._clients[identity] = make_http_client(
                ssl_context=context, connect=bank.connect_timeout, read=bank.read_timeout,
                mounts=mounts)
        return self._clients[identity]

    def close(self) -> None:
        with self._lock:
            for client in self._clients.values():
                client.close()
            self._clients.clear()
            self._connectors.clear()


__all__ = ["BankConfig", "BankRegistry", "ClientCredentials", "RegistryError", "DEFAULT_FILE",
           "parse_bank"]


def load_registry(settings: Mapping[str, Any], instance_path: str | Path) -> BankRegistry:
    """The registry a running app uses, from its settings: `BANKS_FILE`, `SANDBOX_BASE_URL`,
    `SANDBOX_BANK_URLS` ({bank id: URL}); bank certificates chain to the system roots, the CAs
    in `BANKS_CA_FILE` or, for `sandbox run --tls` URLs, the instance folder's sandbox CA."""
    registry = BankRegistry.load(settings["BANKS_FILE"] or None, issuer=settings["ISSUER"],
                                 base_dir=instance_path,
                                 sandbox_base=settings["SANDBOX_BASE_URL"] or None,
                                 bank_urls=settings["SANDBOX_BANK_URLS"])
    registry.ensure_sandbox_keys()
    anchors = [settings["BANKS_CA_FILE"]] if settings.get("BANKS_CA_FILE") else []
    sandbox_urls = [settings["SANDBOX_BASE_URL"] or "", *settings["SANDBOX_BANK_URLS"].values()]
    if any(url.startswith("https://") for url in sandbox_urls):  # `sandbox run --tls`
        anchors.append(SandboxCA(Path(instance_path) / SANDBOX_CA_FOLDER).cert_file)
    registry.trust(*anchors)
    return registry
