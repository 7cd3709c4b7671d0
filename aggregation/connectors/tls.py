"""TLS towards banks, and the sandbox's own small PKI.

- `client_context`: the `ssl.SSLContext` a bank's HTTP client uses: it trusts the system roots
  (unless told not to), the sandbox CA and any configured anchors, and presents the TPP's
  transport certificate when the bank wants mutual TLS (RFC 8705; a QWAC in the EU, an OBWAC in
  the UK).
- `server_context`: what a sandbox bank served over HTTPS uses; with `client_ca` it asks for a
  client certificate (optional at the handshake, so each bank decides whether it insists) and
  verifies any it gets against that CA.
- `SandboxCA`: a root made once under the instance folder (never in the repository) that issues
  the sandbox banks' server certificates and the TPP's sandbox transport certificate, whose
  subject carries the PSD2 `organizationIdentifier` a QTSP would write.

Files are PEM; private keys are written 0600. Nothing here reads settings: callers pass paths.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from core.db import utcnow

CA_NAME = "Open Banking Hub Sandbox Root CA"
CA_DAYS = 3650
LEAF_DAYS = 397  # the CA/Browser Forum ceiling for a TLS server certificate
RENEW_BEFORE = dt.timedelta(days=7)


@dataclass(frozen=True)
class TlsIdentity:
    """A certificate chain and its private key, as PEM files."""

    cert_file: str
    key_file: str


def client_context(*, trust: Iterable[str | Path] = (), identity: TlsIdentity | None = None,
                   system_roots: bool = True) -> ssl.SSLContext:
    """A verifying TLS 1.2+ client context: hostname checked, the chain against the system roots
    (unless `system_roots` is False) plus every CA file in `trust`; `identity` is presented when
    the server asks for a client certificate."""
    context = ssl.create_default_context() if system_roots \
        else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    for anchor in trust:
        context.load_verify_locations(cafile=str(anchor))
    if identity is not None:
        context.load_cert_chain(identity.cert_file, identity.key_file)
    return context


def server_context(identity: TlsIdentity, *, client_ca: str | Path | None = None
                   ) -> ssl.SSLContext:
    """A TLS 1.2+ server context. With `client_ca`, a client certificate is requested and, when
    sent, verified against it; whether a request without one is refused is the application's
    call (one server may host banks with and without mutual TLS)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(identity.cert_file, identity.key_file)
    if client_ca is not None:
        context.load_verify_locations(cafile=str(client_ca))
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


def sandbox_server_context(folder: str | Path, host: str) -> ssl.SSLContext:
    """What a standalone sandbox bank serves HTTPS with: a certificate for `host` from the
    sandbox CA in `folder`, asking for client certificates that CA issued."""
    ca = SandboxCA(folder)
    hosts = (host,) if host == "localhost" else (host, "localhost")
    return server_context(ca.server_identity(hosts=hosts), client_ca=ca.cert_file)


def subject_dn(cert_pem: str | bytes) -> str:
    """The certificate's subject as an RFC 4514 string (what `tls_client_auth_subject_dn`
    names)."""
    data = cert_pem.encode() if isinstance(cert_pem, str) else cert_pem
    return x509.load_pem_x509_certificate(data).subject.rfc4514_string()


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if private:
        path.touch(mode=0o600)
        os.chmod(path, 0o600)
    path.write_bytes(data)


def _private_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class SandboxCA:
    """The sandbox root CA in `folder` (`ca.pem`, `ca.key.pem`), made on first use, and the
    certificates it issues there. Issued files are reused until a week before they expire."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.cert_file = self.folder / "ca.pem"
        key_file = self.folder / "ca.key.pem"
        if self.cert_file.exists() and key_file.exists():
            self._key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
            self._cert = x509.load_pem_x509_certificate(self.cert_file.read_bytes())
            return
        self._key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Open Banking Hub"),
                          x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME)])
        public = self._key.public_key()
        self._cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                      .public_key(public).serial_number(x509.random_serial_number())
                      .not_valid_before(utcnow() - dt.timedelta(days=1))
                      .not_valid_after(utcnow() + dt.timedelta(days=CA_DAYS))
                      .add_extension(x509.BasicConstraints(ca=True, path_length=0),
                                     critical=True)
                      .add_extension(_usage(ca=True), critical=True)
                      .add_extension(x509.SubjectKeyIdentifier.from_public_key(public),
                                     critical=False)
                      .sign(self._key, hashes.SHA256()))
        _write(key_file, _private_pem(self._key), private=True)
        _write(self.cert_file, self._cert.public_bytes(serialization.Encoding.PEM))

    def server_identity(self, name: str = "sandbox",
                        hosts: Sequence[str] = ("127.0.0.1", "localhost")) -> TlsIdentity:
        """A server certificate for `hosts` (DNS names or IP addresses): `<name>.pem`."""
        san = [x509.IPAddress(ipaddress.ip_address(h)) if _is_ip(h) else x509.DNSName(h)
               for h in hosts]
        subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sandbox bank"),
                             x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
        return self._leaf(name, subject, ExtendedKeyUsageOID.SERVER_AUTH,
                          x509.SubjectAlternativeName(san))

    def transport_identity(self, name: str, *, organisation: str,
                           organization_identifier: str) -> TlsIdentity:
        """The TPP's transport certificate (TLS client): subject O, CN and the PSD2
        `organizationIdentifier` (e.g. `PSDGB-FCA-123456`), EKU clientAuth: `<name>.pem`."""
        subject = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, organization_identifier),
            x509.NameAttribute(NameOID.COMMON_NAME, organisation)])
        return self._leaf(name, subject, ExtendedKeyUsageOID.CLIENT_AUTH, None)

    def _leaf(self, name: str, subject: x509.Name, purpose, san) -> TlsIdentity:
        identity = TlsIdentity(str(self.folder / f"{name}.pem"),
                               str(self.folder / f"{name}.key.pem"))
        if self._still_good(Path(identity.cert_file), Path(identity.key_file), subject):
            return identity
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder().subject_name(subject)
                   .issuer_name(self._cert.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(utcnow() - dt.timedelta(minutes=5))
                   .not_valid_after(utcnow() + dt.timedelta(days=LEAF_DAYS))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                                  critical=True)
                   .add_extension(_usage(ca=False), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([purpose]), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       self._key.public_key()), critical=False))
        if san is not None:
            builder = builder.add_extension(san, critical=False)
        cert = builder.sign(self._key, hashes.SHA256())
        _write(Path(identity.key_file), _private_pem(key), private=True)
        _write(Path(identity.cert_file), cert.public_bytes(serialization.Encoding.PEM))
        return identity

    def _still_good(self, cert_file: Path, key_file: Path, subject: x509.Name) -> bool:
        if not (cert_file.exists() and key_file.exists()):
            return False
        cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
        return (cert.issuer == self._cert.subject and cert.subject == subject
                and cert.not_valid_after_utc - RENEW_BEFORE > utcnow())


def _usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=not ca, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=ca, crl_sign=ca, encipher_only=False,
                         decipher_only=False)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
