"""Signed requests to a Berlin Group bank that requires them (NextGenPSD2 implementation
guidelines, draft-cavage HTTP signatures), as an `httpx.Auth` so the digest is taken over the
exact bytes sent:

    Digest: SHA-256=<base64 SHA-256 of the body; of the empty string without one>
    Signature: keyId="SN=<hex serial>,CA=<issuer DN, %20 for spaces>",algorithm="rsa-sha256",
               headers="digest x-request-id [psu-id] [psu-corporate-id] [tpp-redirect-uri]
               [date]",signature="<base64 RSASSA-PKCS1-v1_5 SHA-256 of the signing string>"
    TPP-Signature-Certificate: <base64 DER of the TPP's QSealC>

The signing string is `name: value` per signed header, in that order, joined by newlines.
The QSealC and its key come from the bank's registry entry (`qseal_cert_ref`,
`qseal_key_ref`), e.g. the files the sandbox directory issues.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Generator

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from aggregation.connectors.errors import BankRejected

SIGNED = ("digest", "x-request-id")
SIGNED_WHEN_SENT = ("psu-id", "psu-corporate-id", "tpp-redirect-uri", "date")


class SignatureRefused(BankRejected):
    """The bank refused the request's signature or digest (SIGNATURE_INVALID,
    SIGNATURE_MISSING): `cause` is the code in lower case."""

    cause = "signature_invalid"


class CertificateRefused(BankRejected):
    """The bank does not accept our QSealC (CERTIFICATE_INVALID, _EXPIRED, _BLOCKED,
    _REVOKED, _MISSING): not issued by a CA it trusts, out of date, or not ours."""

    cause = "certificate_invalid"


REFUSALS = {"SIGNATURE_INVALID": SignatureRefused, "SIGNATURE_MISSING": SignatureRefused,
            "CERTIFICATE_INVALID": CertificateRefused, "CERTIFICATE_EXPIRED": CertificateRefused,
            "CERTIFICATE_BLOCKED": CertificateRefused, "CERTIFICATE_REVOKED": CertificateRefused,
            "CERTIFICATE_MISSING": CertificateRefused}


class SigningSetupError(ValueError):
    """The QSealC or its key cannot sign Berlin Group requests."""


class SealSigner(httpx.Auth):
    requires_request_body = True

    def __init__(self, certificate: x509.Certificate, key: rsa.RSAPrivateKey) -> None:
        if not isinstance(key, rsa.RSAPrivateKey):
            raise SigningSetupError("qseal_key_ref: Berlin Group signs rsa-sha256; give the "
                                    "QSealC's RSA private key")
        if certificate.public_key().public_numbers() != key.public_key().public_numbers():
            raise SigningSetupError("qseal_key_ref is not the key of qseal_cert_ref's "
                                    "certificate")
        self.key = key
        self.key_id = key_id(certificate)
        self.certificate = base64.b64encode(
            certificate.public_bytes(serialization.Encoding.DER)).decode()

    @classmethod
    def from_pem(cls, certificate_pem: str | bytes, key_pem: str | bytes) -> SealSigner:
        as_bytes = [v.encode() if isinstance(v, str) else v for v in (certificate_pem, key_pem)]
        try:
            certificate = x509.load_pem_x509_certificate(as_bytes[0])
            key = serialization.load_pem_private_key(as_bytes[1], password=None)
        except ValueError as exc:
            raise SigningSetupError(f"cannot read the QSealC or its key ({exc})") from None
        return cls(certificate, key)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response,
                                                             None]:
        self.sign(request)
        yield request

    def sign(self, request: httpx.Request) -> None:
        request.headers["Digest"] = digest(request.content)
        request.headers["TPP-Signature-Certificate"] = self.certificate
        names = [*SIGNED, *(name for name in SIGNED_WHEN_SENT if name in request.headers)]
        text = "\n".join(f"{name}: {request.headers[name]}" for name in names).encode()
        signature = self.key.sign(text, padding.PKCS1v15(), hashes.SHA256())
        request.headers["Signature"] = (
            f'keyId="{self.key_id}",algorithm="rsa-sha256",headers="{" ".join(names)}",'
            f'signature="{base64.b64encode(signature).decode()}"')


def digest(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()


def key_id(certificate: x509.Certificate) -> str:
    """`SN=<serial in hex>,CA=<issuer distinguished name>`, spaces written %20."""
    issuer = certificate.issuer.rfc4514_string().replace(" ", "%20")
    return f"SN={certificate.serial_number:X},CA={issuer}"
