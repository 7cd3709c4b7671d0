"""The certificates of the topology suite, made at test time: a test CA and another CA, the
proxy's server certificate, and TPP client certificates (CA-issued, expired, from the other CA,
self-signed). Files are PEM, as nginx and httpx read them."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

TPP_SUBJECT = "CN=topology-tpp,O=Topology Test TPP,C=GB"


@dataclass(frozen=True)
class Issued:
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    cert_file: Path
    key_file: Path

    @property
    def pair(self) -> tuple[str, str]:
        """(certificate, key) file names, as httpx takes a client certificate."""
        return str(self.cert_file), str(self.key_file)


def _name(dn: str) -> x509.Name:
    return x509.Name.from_rfc4514_string(dn)


def _write(directory: Path, stem: str, cert: x509.Certificate, key) -> Issued:
    cert_file, key_file = directory / f"{stem}.pem", directory / f"{stem}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return Issued(cert, key, cert_file, key_file)


def _builder(subject: str, issuer: x509.Name, public_key, not_before: dt.datetime,
             not_after: dt.datetime) -> x509.CertificateBuilder:
    return (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer)
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), False))


def make_ca(directory: Path, stem: str, subject: str) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (_builder(subject, _name(subject), key.public_key(), now - dt.timedelta(days=1),
                     now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                         crl_sign=True, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False,
                                         decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    return _write(directory, stem, cert, key)


def issue(directory: Path, stem: str, ca: Issued | None, subject: str, *, server: bool = False,
          days: tuple[int, int] = (-1, 30)) -> Issued:
    """A leaf certificate signed by `ca` (self-signed when None), valid from `days[0]` to
    `days[1]` days from now; a server certificate names 127.0.0.1 and localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    issuer_name = ca.cert.subject if ca else _name(subject)
    usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (_builder(subject, issuer_name, key.public_key(), now + dt.timedelta(days=days[0]),
                        now + dt.timedelta(days=days[1]))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.ExtendedKeyUsage([usage]), critical=False))
    if ca:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), False)
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
    cert = builder.sign(ca.key if ca else key, hashes.SHA256())
    return _write(directory, stem, cert, key)


@dataclass(frozen=True)
class Pki:
    ca: Issued
    server: Issued
    tpp: Issued  # CA-issued, TPP_SUBJECT: the tls_client_auth client's
    expired: Issued  # CA-issued, TPP_SUBJECT, expired yesterday
    other_ca: Issued  # TPP_SUBJECT, issued by a CA the service does not trust
    self_signed: Issued  # the self_signed_tls_client_auth client's


def make_pki(directory: Path) -> Pki:
    directory.mkdir(parents=True, exist_ok=True)
    ca = make_ca(directory, "ca", "CN=Topology Test CA,O=Topology Tests")
    other = make_ca(directory, "other-ca", "CN=Another CA,O=Somebody Else")
    return Pki(
        ca=ca,
        server=issue(directory, "server", ca, "CN=127.0.0.1", server=True),
        tpp=issue(directory, "tpp", ca, TPP_SUBJECT),
        expired=issue(directory, "expired", ca, TPP_SUBJECT, days=(-30, -1)),
        other_ca=issue(directory, "other", other, TPP_SUBJECT),
        self_signed=issue(directory, "self-signed", None, "CN=self-signed-tpp,O=Topology"),
    )
