"""Mutual-TLS client certificates (RFC 8705), as forwarded by the TLS-terminating proxy.

The proxy verifies the TLS handshake and forwards the certificate, URL-encoded PEM, in
CLIENT_CERT_HEADER. We match it against the client's registered subject DN or SHA-256
thumbprint (`tls_client_auth`), and bind tokens to its thumbprint (`cnf.x5t#S256`).
The header must be stripped from inbound traffic by the proxy; that is a deployment duty.
"""

from __future__ import annotations

import functools
from urllib.parse import unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization

from auth.jose import b64url


class CertificateError(ValueError):
    pass


def certificate_from_header(value: str | None) -> x509.Certificate | None:
    if not value:
        return None
    pem = unquote(value).strip()
    try:
        return x509.load_pem_x509_certificate(pem.encode())
    except ValueError as exc:
        raise CertificateError("client certificate header does not hold a PEM certificate") from exc


@functools.lru_cache(maxsize=4096)
def header_thumbprint(value: str | None) -> str | None:
    """`x5t#S256` of the certificate in the proxy's header, parsed once per distinct header
    (a TPP sends the same certificate on every call)."""
    cert = certificate_from_header(value)
    return None if cert is None else thumbprint(cert)


def thumbprint(cert: x509.Certificate) -> str:
    """`x5t#S256`: base64url SHA-256 of the DER certificate."""
    return b64url(cert.fingerprint(hashes.SHA256()))


def subject_dn(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


def matches_client(cert: x509.Certificate, *, subject: str | None, cert_thumbprint: str | None
                   ) -> bool:
    if cert_thumbprint:
        return thumbprint(cert) == cert_thumbprint
    if subject:
        return _normal_dn(subject_dn(cert)) == _normal_dn(subject)
    return False


def _normal_dn(dn: str) -> str:
    try:
        return x509.Name.from_rfc4514_string(dn).rfc4514_string()
    except ValueError:
        return dn.strip()


def encode_for_header(cert: x509.Certificate) -> str:
    """What a proxy would send: URL-encoded PEM (used by tests and the example client)."""
    from urllib.parse import quote

    return quote(cert.public_bytes(serialization.Encoding.PEM).decode(), safe="")
