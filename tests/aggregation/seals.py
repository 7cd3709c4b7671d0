"""The TPP's QSealC for the signed Berlin Group contract tests: an RSA seal certificate (as
rsa-sha256 signs) issued by a test QTSP, written as PEM files."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from auth.eidas import Psd2Statement
from auth.eidas_ca import SandboxCa, pem, private_pem

STATEMENT = Psd2Statement(("PSP_AI",), "Sandbox Competent Authority", "XX-SANDBOX")


def write_qseal(qtsp: SandboxCa, folder: Path) -> None:
    """`folder/qseal.pem` and `folder/qseal.key`: the seal and its private key."""
    certificate, key = qtsp.issue(organisation="Open Banking Hub Ltd",
                                  organization_identifier="PSDXX-SANDBOX-1234",
                                  statement=STATEMENT, purpose="qseal",
                                  key=rsa.generate_private_key(65537, 2048))
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "qseal.pem").write_bytes(pem(certificate))
    (folder / "qseal.key").write_bytes(private_pem(key))
