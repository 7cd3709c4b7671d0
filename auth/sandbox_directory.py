"""The sandbox directory: test eIDAS certificates and software statements for developers.

Real onboarding takes a QTSP (QWAC and QSealC with the PSD2 QC statement) and a directory
(a software statement). In demo mode this module plays both, so a developer has working
credentials in a minute: `flask --app wsgi directory issue` or the portal page at
/docs/portal/directory. Its CA and signing key live in the demo folder and are made on first
use; the demo trusts them (`trust_in_demo`). With demo data off (every production deployment)
none of this is built, and the command refuses to run.

The organisation gets an organizationIdentifier under the sandbox authority `XX-SANDBOX`, which
no regulator's register covers, so register imports never cut a sandbox TPP off.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from joserfc import jwk, jwt

from auth.eidas import ROLE_OIDS, Psd2Statement
from auth.eidas_ca import SandboxCa, pem, private_pem
from auth.jose import ALGORITHMS
from auth.software_statement import DIRECTORY_ROLES, Directory

ISSUER = "Open Banking Hub Sandbox Directory"
NCA_NAME, NCA_ID = "Sandbox Competent Authority", "XX-SANDBOX"
CRL_PATH = "/docs/portal/directory/crl"
OB_ROLES = {psd2: ob for ob, psd2 in DIRECTORY_ROLES.items()}
STATEMENT_LIFETIME = 365 * 86400
CA_NAME = "Open Banking Hub Sandbox QTSP"
CA_KEY, CA_CERT, DIRECTORY_KEY = "sandbox-ca.key", "sandbox-ca.pem", "directory-key.jwk.json"
# The QSealC is RSA: a Berlin Group bank that wants signed requests takes the draft-cavage
# `rsa-sha256` signature only (NextGenPSD2 implementation guidelines), which an EC key cannot
# make; the QWAC stays EC P-256, which every TLS stack takes.
SEAL_KEY_BITS = 2048


class SandboxDirectoryError(ValueError):
    """A request the sandbox directory cannot issue for (bad roles or organisation name)."""


@dataclass(frozen=True)
class Credentials:
    """What a developer receives: PEM files, a private JWK and the software statement."""

    organization_identifier: str
    software_id: str
    roles: tuple[str, ...]
    files: dict[str, str]

    def write(self, folder: Path) -> list[Path]:
        return write_files(folder, self.files)


def write_files(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write the files; private keys readable by their owner only."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        path = folder / name
        path.write_text(content)
        if name.endswith((".key", ".jwk.json")):
            path.chmod(0o600)
        written.append(path)
    return written


def parse_roles(value) -> tuple[str, ...]:
    roles = value.split(",") if isinstance(value, str) else list(value or ())
    roles = tuple(dict.fromkeys(r.strip().upper() for r in roles if r.strip()))
    unknown = [r for r in roles if r not in ROLE_OIDS]
    if not roles or unknown:
        raise SandboxDirectoryError(f"roles must be some of {', '.join(ROLE_OIDS)}")
    return roles


class SandboxDirectory:
    """The sandbox CA and directory key, kept in `folder` (made on first use)."""

    def __init__(self, folder: Path, crl_url: str) -> None:
        self.folder, self.crl_url = Path(folder), crl_url
        self._ca: SandboxCa | None = None
        self._key: jwk.ECKey | None = None

    def exists(self) -> bool:
        """Whether a CA and key were made (by the command or the page), here or elsewhere."""
        return (self.folder / CA_KEY).exists() and (self.folder / DIRECTORY_KEY).exists()

    def _load_or_create(self) -> None:
        if self.exists():
            self._ca = SandboxCa.load(CA_NAME, (self.folder / CA_KEY).read_bytes(),
                                      (self.folder / CA_CERT).read_bytes())
            self._key = jwk.ECKey.import_key(json.loads((self.folder / DIRECTORY_KEY).read_text()))
            return
        self._ca = SandboxCa.create(CA_NAME)
        self._key = jwk.ECKey.generate_key("P-256", auto_kid=True)
        write_files(self.folder, {CA_KEY: private_pem(self._ca.key).decode(),
                                  CA_CERT: pem(self._ca.certificate).decode(),
                                  DIRECTORY_KEY: json.dumps(self._key.as_dict(private=True))})

    @property
    def ca(self) -> SandboxCa:
        if self._ca is None:
            self._load_or_create()
        return self._ca

    @property
    def key(self) -> jwk.ECKey:
        if self._key is None:
            self._load_or_create()
        return self._key

    def trust_anchors(self) -> list:
        """The sandbox CA, once made; nothing before (a server started first sees it later)."""
        return [self.ca.certificate] if self.exists() else []

    def public_jwks(self) -> dict:
        return {"keys": [self.key.as_dict(private=False)]} if self.exists() else {"keys": []}

    def crl_der(self) -> bytes:
        return self.ca.crl().public_bytes(Encoding.DER)

    def issue(self, organisation: str, roles, redirect_uris=("https://localhost/callback",)
              ) -> Credentials:
        organisation = (organisation or "").strip()
        if not 1 <= len(organisation) <= 100:
            raise SandboxDirectoryError("give the organisation's name (1 to 100 characters)")
        roles = parse_roles(roles)
        org_id = f"PSDXX-SANDBOX-{secrets.randbelow(10**8):08d}"
        statement = Psd2Statement(roles, NCA_NAME, NCA_ID)
        qwac, qwac_key = self.ca.issue(organisation=organisation, organization_identifier=org_id,
                                       statement=statement, purpose="qwac", crl_url=self.crl_url)
        qseal, qseal_key = self.ca.issue(organisation=organisation,
                                         organization_identifier=org_id, statement=statement,
                                         purpose="qseal", crl_url=self.crl_url,
                                         key=rsa.generate_private_key(65537, SEAL_KEY_BITS))
        signing = jwk.ECKey.generate_key("P-256", auto_kid=True)
        software_id = secrets.token_hex(8)
        ssa = self._statement(organisation, org_id, software_id, roles, list(redirect_uris),
                              signing)
        return Credentials(org_id, software_id, roles, {
            "qwac.pem": pem(qwac).decode(), "qwac.key": private_pem(qwac_key).decode(),
            "qseal.pem": pem(qseal).decode(), "qseal.key": private_pem(qseal_key).decode(),
            "signing-key.jwk.json": json.dumps(signing.as_dict(private=True), indent=2),
            "software-statement.jwt": ssa,
        })

    def _statement(self, organisation, org_id, software_id, roles, redirect_uris, signing
                   ) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER, "iat": now, "exp": now + STATEMENT_LIFETIME,
            "jti": secrets.token_urlsafe(12), "software_id": software_id,
            "software_client_name": organisation, "software_mode": "Test",
            "software_roles": [OB_ROLES[r] for r in roles],
            "software_redirect_uris": redirect_uris,
            "software_jwks": {"keys": [signing.as_dict(private=False)]},
            "org_id": org_id, "org_name": organisation, "org_status": "Active",
        }
        header = {"alg": "ES256", "typ": "JWT", "kid": self.key.kid}
        return jwt.encode(header, claims, self.key, algorithms=list(ALGORITHMS))


def trust_in_demo(setup, sandbox: SandboxDirectory) -> None:
    """Make the demo trust the sandbox: its CA as one more QTSP, its CRL answered in-process,
    and its statements accepted unless the operator named a directory of their own."""
    setup.verifier.anchor_source = sandbox.trust_anchors
    fetch = setup.verifier.revocation.fetch

    def fetch_with_sandbox(url: str) -> bytes:
        return sandbox.crl_der() if url == sandbox.crl_url else fetch(url)

    setup.verifier.revocation.fetch = fetch_with_sandbox
    if setup.directory is None:
        setup.directory = Directory(ISSUER, sandbox.public_jwks)
