"""A sandbox certification authority that issues PSD2 certificates the way a QTSP does.

The sandbox directory (demo mode only) uses it to hand a developer a QWAC and a QSealC whose
PSD2 QC statement and organizationIdentifier are the ones a real QTSP would write, and the
tests use it to make every kind of certificate the checks must accept or refuse. Nothing here
is trusted unless the operator lists this CA's certificate in EIDAS_TRUST_ANCHORS.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

from auth.eidas import Psd2Statement, qc_statements_extension
from core.db import utcnow

PURPOSES = ("qwac", "qseal")


def _key_usage(*, ca: bool, seal: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca, content_commitment=seal, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
        encipher_only=False, decipher_only=False)


@dataclass
class SandboxCa:
    """A root CA (key and certificate) that signs end-entity certificates and CRLs."""

    name: str
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @classmethod
    def create(cls, name: str, days: int = 3650) -> SandboxCa:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
                             x509.NameAttribute(NameOID.COMMON_NAME, name)])
        cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(utcnow() - dt.timedelta(days=1))
                .not_valid_after(utcnow() + dt.timedelta(days=days))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(_key_usage(ca=True), critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                               critical=False)
                .sign(key, hashes.SHA256()))
        return cls(name, key, cert)

    @classmethod
    def load(cls, name: str, key_pem: bytes, cert_pem: bytes) -> SandboxCa:
        key = serialization.load_pem_private_key(key_pem, password=None)
        return cls(name, key, x509.load_pem_x509_certificate(cert_pem))

    def issue(self, *, organisation: str, organization_identifier: str | None,
              statement: Psd2Statement | None, purpose: str = "qwac",
              not_before: dt.datetime | None = None, not_after: dt.datetime | None = None,
              crl_url: str | None = None, ocsp_url: str | None = None,
              key=None) -> tuple[x509.Certificate, object]:
        """A certificate and its private key: a QWAC (TLS client) or a QSealC (signing)."""
        if purpose not in PURPOSES:
            raise ValueError(f"purpose must be one of {PURPOSES}")
        key = key or ec.generate_private_key(ec.SECP256R1())
        attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation)]
        if organization_identifier:
            attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER,
                                                 organization_identifier))
        attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, organisation))
        builder = (x509.CertificateBuilder().subject_name(x509.Name(attributes))
                   .issuer_name(self.certificate.subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(not_before or utcnow() - dt.timedelta(minutes=5))
                   .not_valid_after(not_after or utcnow() + dt.timedelta(days=365))
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                                  critical=True)
                   .add_extension(_key_usage(ca=False, seal=purpose == "qseal"), critical=True)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                       self.key.public_key()), critical=False))
        if purpose == "qwac":
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        if statement is not None:
            builder = builder.add_extension(qc_statements_extension(statement), critical=False)
        if crl_url:
            builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
                full_name=[x509.UniformResourceIdentifier(crl_url)], relative_name=None,
                reasons=None, crl_issuer=None)]), critical=False)
        if ocsp_url:
            builder = builder.add_extension(x509.AuthorityInformationAccess([
                x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                                       x509.UniformResourceIdentifier(ocsp_url))]),
                critical=False)
        return builder.sign(self.key, hashes.SHA256()), key

    def ocsp_answer(self, request_der: bytes, revoked_serials=()) -> bytes:
        """The CA's own OCSP answer (RFC 6960) to a request for one of its certificates."""
        request = ocsp.load_der_ocsp_request(request_der)
        revoked = request.serial_number in set(revoked_serials)
        builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=request.issuer_name_hash, issuer_key_hash=request.issuer_key_hash,
            serial_number=request.serial_number, algorithm=request.hash_algorithm,
            cert_status=ocsp.OCSPCertStatus.REVOKED if revoked else ocsp.OCSPCertStatus.GOOD,
            this_update=utcnow() - dt.timedelta(minutes=1),
            next_update=utcnow() + dt.timedelta(hours=1),
            revocation_time=utcnow() - dt.timedelta(minutes=1) if revoked else None,
            revocation_reason=None).responder_id(ocsp.OCSPResponderEncoding.HASH,
                                                 self.certificate)
        return builder.sign(self.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def crl(self, revoked_serials=(), *, next_update: dt.timedelta = dt.timedelta(days=1)
            ) -> x509.CertificateRevocationList:
        builder = (x509.CertificateRevocationListBuilder()
                   .issuer_name(self.certificate.subject)
                   .last_update(utcnow() - dt.timedelta(minutes=1))
                   .next_update(utcnow() + next_update))
        for serial in revoked_serials:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial)
                .revocation_date(utcnow() - dt.timedelta(minutes=1)).build())
        return builder.sign(self.key, hashes.SHA256())


def pem(*items) -> bytes:
    """PEM of certificates (or a CRL)."""
    return b"".join(item.public_bytes(serialization.Encoding.PEM) for item in items)


def private_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
