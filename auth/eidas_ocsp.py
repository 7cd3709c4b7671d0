"""OCSP (RFC 6960) status of an eIDAS certificate, where the operator asks for it.

The responder is the one the certificate names (authorityInfoAccess). Its answer counts only
when signed by the issuing CA itself or by a responder certificate that CA issued for
OCSPSigning (RFC 6960 §4.2.2.2), and when it is about this very certificate and current.
Anything else is "no answer", and the caller falls back to the CRL or to EIDAS_FAIL_CLOSED.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from core.logging import get_logger

log = get_logger("auth.eidas")


def http_post(url: str, body: bytes) -> bytes:
    response = httpx.post(url, content=body, timeout=5.0, follow_redirects=False,
                          headers={"Content-Type": "application/ocsp-request"})
    response.raise_for_status()
    return response.content


def responder_url(cert: x509.Certificate) -> str | None:
    try:
        access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return None
    for item in access:
        if (item.access_method == AuthorityInformationAccessOID.OCSP
                and isinstance(item.access_location, x509.UniformResourceIdentifier)):
            return item.access_location.value
    return None


def status(cert: x509.Certificate, issuer: x509.Certificate,
           post: Callable[[str, bytes], bytes] = http_post
           ) -> tuple[str, dt.datetime | None] | None:
    """("good" or "revoked", the answer's nextUpdate) from a trustworthy OCSP answer, else
    None."""
    url = responder_url(cert)
    if url is None:
        return None
    request = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA256()).build()
    try:
        answer = ocsp.load_der_ocsp_response(post(url, request.public_bytes(Encoding.DER)))
    except (httpx.HTTPError, ValueError, OSError) as exc:
        log.warning("eidas_ocsp_unavailable", url=url, error_type=type(exc).__name__)
        return None
    if answer.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        return None
    if answer.serial_number != cert.serial_number or not _signed_for(answer, issuer):
        log.warning("eidas_ocsp_untrusted_answer", url=url)
        return None
    now = dt.datetime.now(dt.UTC)
    if answer.next_update_utc is not None and answer.next_update_utc < now:
        return None
    if answer.certificate_status == ocsp.OCSPCertStatus.REVOKED:
        return "revoked", answer.next_update_utc
    if answer.certificate_status == ocsp.OCSPCertStatus.GOOD:
        return "good", answer.next_update_utc
    return None


def _signed_for(answer: ocsp.OCSPResponse, issuer: x509.Certificate) -> bool:
    signer = issuer
    if answer.certificates:
        delegated = answer.certificates[0]
        if delegated.issuer != issuer.subject or not _verifies(
                issuer.public_key(), delegated.signature, delegated.tbs_certificate_bytes,
                delegated.signature_hash_algorithm):
            return False
        try:
            usage = delegated.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        except x509.ExtensionNotFound:
            return False
        if ExtendedKeyUsageOID.OCSP_SIGNING not in usage:
            return False
        signer = delegated
    return _verifies(signer.public_key(), answer.signature, answer.tbs_response_bytes,
                     answer.signature_hash_algorithm)


def _verifies(key, signature: bytes, data: bytes, algorithm) -> bool:
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        else:
            return False
    except InvalidSignature:
        return False
    return True
