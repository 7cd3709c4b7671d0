"""Request signature check of a strict sandbox Berlin Group bank (profile `signing_required`),
as the Berlin Group implementation guidelines describe it (draft-cavage HTTP signatures):

- `Digest: SHA-256=<base64 of the body's SHA-256>` (over the empty string without a body);
- `TPP-Signature-Certificate`: the TPP's QSealC, base64 DER, issued by a CA the bank trusts
  (the profile's `tpp_ca_pem`), valid now, with the digitalSignature or nonRepudiation usage;
- `Signature: keyId="SN=<hex serial>,CA=<issuer DN>",algorithm="rsa-sha256",
  headers="digest x-request-id …",signature="<base64>"`, where `headers` names digest,
  x-request-id and, when sent, psu-id, psu-corporate-id, tpp-redirect-uri and date.

Refusals carry the standard's codes: 400 FORMAT_ERROR (a header that cannot be read),
401 SIGNATURE_MISSING, SIGNATURE_INVALID, CERTIFICATE_MISSING, CERTIFICATE_INVALID,
CERTIFICATE_EXPIRED.

A profile with `mtls_required` also refuses (401 CERTIFICATE_MISSING) a call whose TLS
connection presented no client certificate (the TPP's QWAC) verified by the sandbox server.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import re
from urllib.parse import unquote

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import Blueprint, request

from sandbox.fapi import client_certificate
from sandbox.state import BankState

REQUIRED = ("digest", "x-request-id")
WHEN_SENT = ("psu-id", "psu-corporate-id", "tpp-redirect-uri", "date")
PARAM = re.compile(r'\s*([a-zA-Z]+)="([^"]*)"\s*(?:,|$)')


class Refused(Exception):
    def __init__(self, status: int, code: str, text: str) -> None:
        super().__init__(text)
        self.status, self.code, self.text = status, code, text


def register(bp: Blueprint, state: BankState, bg_error) -> None:
    @bp.before_request
    def require_client_certificate():
        if not state.bank.bg_profile.mtls_required or not (
                request.url_rule and "/v1/" in request.url_rule.rule):
            return None
        if client_certificate(request.environ) is None:
            return bg_error(401, "CERTIFICATE_MISSING", "This bank is reached over mutual "
                            "TLS: present the TPP's QWAC.")
        return None

    @bp.before_request
    def verify_signature():
        profile = state.bank.bg_profile
        if not profile.signing_required or not (
                request.url_rule and "/v1/" in request.url_rule.rule):
            return None
        try:
            verify(request.headers, request.get_data(), _anchors(profile.tpp_ca_pem),
                   state.now())
        except Refused as exc:
            return bg_error(exc.status, exc.code, exc.text)
        return None


def verify(headers, body: bytes, anchors: list[x509.Certificate], now) -> None:
    """Raise `Refused` unless the request is signed as the guidelines say."""
    raw = headers.get("Signature")
    if not raw:
        raise Refused(401, "SIGNATURE_MISSING", "This bank requires a signed request.")
    certificate = _certificate(headers.get("TPP-Signature-Certificate"), anchors, now)
    digest = headers.get("Digest")
    if not digest:
        raise Refused(400, "FORMAT_ERROR", "Digest is required with a signed request.")
    algorithm, _, value = digest.partition("=")
    if algorithm.upper() != "SHA-256" or not value:
        raise Refused(400, "FORMAT_ERROR", "Digest is SHA-256=<base64 of the body's hash>.")
    expected = base64.b64encode(hashlib.sha256(body).digest()).decode()
    if not hmac.compare_digest(value, expected):
        raise Refused(401, "SIGNATURE_INVALID", "Digest does not match the body.")
    params = dict(PARAM.findall(raw))
    if not {"keyId", "algorithm", "headers", "signature"} <= set(params):
        raise Refused(400, "FORMAT_ERROR", "Signature needs keyId, algorithm, headers and "
                      "signature.")
    if params["algorithm"] != "rsa-sha256":
        raise Refused(401, "SIGNATURE_INVALID", "Signature algorithm is rsa-sha256.")
    if params["keyId"] != key_id(certificate) and unquote(params["keyId"]) != unquote(
            key_id(certificate)):
        raise Refused(401, "CERTIFICATE_INVALID", "keyId does not name the "
                      "TPP-Signature-Certificate (SN=<serial>,CA=<issuer>).")
    signed = params["headers"].lower().split()
    needed = [*REQUIRED, *(name for name in WHEN_SENT if name in headers)]
    missing = [name for name in needed if name not in signed]
    if missing:
        raise Refused(401, "SIGNATURE_INVALID", f"Signature headers must include {missing[0]}.")
    if any(name not in headers for name in signed):
        raise Refused(401, "SIGNATURE_INVALID", "Signature names a header the request lacks.")
    text = "\n".join(f"{name}: {headers[name]}" for name in signed).encode()
    try:
        signature = base64.b64decode(params["signature"], validate=True)
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise InvalidSignature
        key.verify(signature, text, padding.PKCS1v15(), hashes.SHA256())
    except (binascii.Error, InvalidSignature):
        raise Refused(401, "SIGNATURE_INVALID", "The signature does not verify.") from None


def key_id(certificate: x509.Certificate) -> str:
    issuer = certificate.issuer.rfc4514_string().replace(" ", "%20")
    return f"SN={certificate.serial_number:X},CA={issuer}"


def _certificate(value: str | None, anchors: list[x509.Certificate], now) -> x509.Certificate:
    if not value:
        raise Refused(401, "CERTIFICATE_MISSING", "TPP-Signature-Certificate is required.")
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(value, validate=True))
    except (binascii.Error, ValueError):
        raise Refused(401, "CERTIFICATE_INVALID", "TPP-Signature-Certificate is base64 "
                      "DER of an X.509 certificate.") from None
    if not any(_issued_by(certificate, anchor) for anchor in anchors):
        raise Refused(401, "CERTIFICATE_INVALID", "The TPP certificate is not issued by a "
                      "CA this bank trusts.")
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise Refused(401, "CERTIFICATE_EXPIRED", "The TPP certificate is not valid now.")
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise Refused(401, "CERTIFICATE_INVALID", "The TPP certificate may not sign.")
    return certificate


def _issued_by(certificate: x509.Certificate, anchor: x509.Certificate) -> bool:
    try:
        certificate.verify_directly_issued_by(anchor)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


@functools.lru_cache(maxsize=8)
def _anchors(pem: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem) if pem else []
