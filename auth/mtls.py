"""Mutual-TLS client certificates (RFC 8705), as forwarded by the TLS-terminating proxy.

The proxy verifies the TLS handshake (possession of the key) and forwards the certificate,
URL-encoded PEM, optionally followed by its intermediates, in CLIENT_CERT_HEADER; only peers in
TRUSTED_PROXIES may send it (auth.proxies). Client authentication then takes one of:
- `tls_client_auth` (RFC 8705 §2.1): the certificate chains to a CA of TLS_CLIENT_CA_BUNDLE
  (the directory's or eIDAS QTSPs' issuing CAs) and is within its validity, and only then is
  its subject DN compared with the registered one, since anyone can make a certificate with
  any DN; or an operator-pinned SHA-256 thumbprint;
- `self_signed_tls_client_auth` (RFC 8705 §2.2): the certificate is one of those in the `x5c`
  of the client's registered JWK Set.
Tokens are bound to the certificate's thumbprint (`cnf.x5t#S256`) in either case.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
from pathlib import Path
from urllib.parse import quote, unquote

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import verification

from auth.jose import b64url


class CertificateError(ValueError):
    pass


def chain_from_header(value: str | None) -> list[x509.Certificate]:
    """The client certificate first, then any intermediates the proxy forwarded."""
    if not value:
        return []
    pem = unquote(value).strip()
    try:
        return x509.load_pem_x509_certificates(pem.encode())
    except ValueError as exc:
        raise CertificateError("client certificate header does not hold a PEM certificate") from exc


def certificate_from_header(value: str | None) -> x509.Certificate | None:
    chain = chain_from_header(value)
    return chain[0] if chain else None


def load_ca_bundle(path: str) -> verification.Store | None:
    """The CAs tls_client_auth certificates must chain to; None when TLS_CLIENT_CA_BUNDLE is
    unset. A bad file stops the start with one line naming the setting."""
    if not path:
        return None
    try:
        cas = x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise ValueError(f"TLS_CLIENT_CA_BUNDLE: {path} is not a readable PEM file of CA "
                         f"certificates ({exc})") from exc
    return verification.Store(cas)


# Web PKI rules for the end-entity certificate, except that a subjectAltName may be absent:
# directory transport certificates identify the TPP by subject DN, not by a name or address.
_CLIENT_EE_POLICY = verification.ExtensionPolicy.webpki_defaults_ee().may_be_present(
    x509.SubjectAlternativeName, verification.Criticality.AGNOSTIC, None)


def verify_chain(chain: list[x509.Certificate], store: verification.Store,
                 now: dt.datetime | None = None) -> None:
    """Raise CertificateError unless chain[0] chains to a CA of `store` through chain[1:], with
    every certificate within its validity and fit for TLS client authentication (RFC 5280)."""
    verifier = (verification.PolicyBuilder().store(store)
                .time(now or dt.datetime.now(dt.UTC))
                .extension_policies(ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
                                    ee_policy=_CLIENT_EE_POLICY)
                .build_client_verifier())
    try:
        verifier.verify(chain[0], chain[1:])
    except verification.VerificationError as exc:
        raise CertificateError(f"the TLS client certificate is not issued by a trusted CA: "
                               f"{exc}") from exc


def in_jwks_x5c(cert: x509.Certificate, jwks: dict | None) -> bool:
    """RFC 8705 §2.2: the certificate is the first of an `x5c` in the registered JWK Set."""
    der = cert.public_bytes(serialization.Encoding.DER)
    for key in (jwks or {}).get("keys", []):
        x5c = key.get("x5c") if isinstance(key, dict) else None
        if not isinstance(x5c, list) or not x5c or not isinstance(x5c[0], str):
            continue
        try:
            if base64.b64decode(x5c[0], validate=True) == der:
                return True
        except (binascii.Error, ValueError):
            continue
    return False


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
    return quote(cert.public_bytes(serialization.Encoding.PEM).decode(), safe="")
