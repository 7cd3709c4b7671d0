"""Whether an eIDAS certificate is to be trusted: chain, validity, revocation, PSD2 attributes.

- Trust anchors are the QTSP CA certificates the operator lists in EIDAS_TRUST_ANCHORS (a PEM
  file, or a directory of them: an extract of the EU trusted lists, or a directory's CAs).
- The chain is built and checked by `cryptography`'s RFC 5280 verifier: signatures, validity of
  every certificate at the time of the check, CA constraints; a QWAC must also be fit for TLS
  client authentication. A QSealC (signing) need not be.
- Revocation of every certificate below the anchor: by its CRL (CRL distribution points), or by
  OCSP where EIDAS_REVOCATION names it (`auth.eidas_ocsp`). Answers are cached until their
  nextUpdate, at most EIDAS_REVOCATION_CACHE_SECONDS. A qualified certificate must say where its
  status is published (ETSI EN 319 412-2 §4.3.11), so one that does not is refused. When the
  status cannot be fetched, EIDAS_FAIL_CLOSED decides: refuse (default) or accept and log.
- Finally the PSD2 attributes (`auth.eidas`) must be present: the QC statement and the
  organizationIdentifier.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.x509 import verification
from cryptography.x509.oid import ExtendedKeyUsageOID

from auth import eidas_ocsp
from auth.eidas import Psd2AttributeError, Psd2Identity, psd2_identity
from core.logging import get_logger

REVOCATION_MODES = ("off", "crl", "ocsp", "ocsp,crl")
log = get_logger("auth.eidas")



def _client_auth_usage(_policy, _cert, usage: x509.ExtendedKeyUsage) -> None:
    if ExtendedKeyUsageOID.CLIENT_AUTH not in usage:
        raise ValueError("a QWAC used by a TPP must allow TLS client authentication")


# TLS client certificates of TPPs name an organisation, not a host: subjectAltName optional;
# the extended key usage must be present and name clientAuth.
_QWAC_POLICY = (verification.ExtensionPolicy.webpki_defaults_ee()
                .may_be_present(x509.SubjectAlternativeName, verification.Criticality.AGNOSTIC,
                                None)
                .require_present(x509.ExtendedKeyUsage, verification.Criticality.AGNOSTIC,
                                 _client_auth_usage))


class EidasError(ValueError):
    """The certificate is not an acceptable eIDAS PSD2 certificate; the message says why."""


def load_trust_anchors(path: str) -> list[x509.Certificate]:
    """The QTSP CAs of EIDAS_TRUST_ANCHORS: a PEM file, or every *.pem / *.crt in a directory."""
    if not path:
        return []
    where = Path(path)
    files = sorted([*where.glob("*.pem"), *where.glob("*.crt")]) if where.is_dir() else [where]
    anchors: list[x509.Certificate] = []
    try:
        for file in files:
            anchors.extend(x509.load_pem_x509_certificates(file.read_bytes()))
    except (OSError, ValueError) as exc:
        raise ValueError(f"EIDAS_TRUST_ANCHORS: {path} is not a readable PEM file or directory "
                         f"of CA certificates ({exc})") from exc
    if not anchors:
        raise ValueError(f"EIDAS_TRUST_ANCHORS: {path} holds no certificate")
    return anchors


def _http_get(url: str) -> bytes:
    response = httpx.get(url, timeout=5.0, follow_redirects=False)
    response.raise_for_status()
    return response.content


@dataclass
class RevocationChecker:
    """CRL (and OCSP) status of a certificate, cached per process by URL."""

    mode: str = "crl"
    fail_closed: bool = True
    cache_seconds: float = 3600.0
    fetch: Callable[[str], bytes] = _http_get
    post: Callable[[str, bytes], bytes] = eidas_ocsp.http_post
    _crls: dict[str, tuple[float, x509.CertificateRevocationList]] = field(default_factory=dict)
    _ocsp_answers: dict[str, tuple[float, str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, cert: x509.Certificate, issuer: x509.Certificate) -> None:
        if self.mode == "off":
            return
        if "ocsp" in self.mode:
            status = self._ocsp(cert, issuer)
            if status is not None:
                return self._judge(status == "revoked", cert, "OCSP")
        if "crl" in self.mode:
            urls = crl_urls(cert)
            if urls:
                return self._check_crl(cert, issuer, urls)
        if "ocsp" in self.mode and eidas_ocsp.responder_url(cert):
            return self._unavailable(cert, "the OCSP responder did not answer")
        raise EidasError(f"certificate {_name(cert)} says nowhere how to check its revocation "
                         f"({self.mode.upper()})")

    def _ocsp(self, cert: x509.Certificate, issuer: x509.Certificate) -> str | None:
        key, now = f"ocsp:{issuer.subject.rfc4514_string()}:{cert.serial_number}", time.time()
        with self._lock:
            cached = self._ocsp_answers.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        answer = eidas_ocsp.status(cert, issuer, self.post)
        if answer is None:
            return None
        status, next_update = answer
        until = now + self.cache_seconds
        if next_update is not None:
            until = min(until, next_update.timestamp())
        with self._lock:
            self._ocsp_answers[key] = (until, status)
        return status

    def _judge(self, revoked: bool, cert: x509.Certificate, how: str) -> None:
        if revoked:
            raise EidasError(f"certificate {_name(cert)} is revoked ({how})")

    def _check_crl(self, cert, issuer, urls) -> None:
        for url in urls:
            crl = self._crl(url, issuer)
            if crl is not None:
                revoked = crl.get_revoked_certificate_by_serial_number(cert.serial_number)
                return self._judge(revoked is not None, cert, "CRL")
        self._unavailable(cert, f"its CRL could not be fetched from {urls[0]}")

    def _crl(self, url: str, issuer: x509.Certificate):
        now = time.time()
        with self._lock:
            cached = self._crls.get(url)
        if cached is not None and cached[0] > now:
            return cached[1]
        try:
            data = self.fetch(url)
            crl = (x509.load_pem_x509_crl(data) if data.lstrip().startswith(b"-----")
                   else x509.load_der_x509_crl(data))
        except (httpx.HTTPError, ValueError, OSError) as exc:
            log.warning("eidas_crl_unavailable", url=url, error_type=type(exc).__name__)
            return None
        if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):
            log.warning("eidas_crl_not_from_issuer", url=url)
            return None
        until = now + self.cache_seconds
        if crl.next_update_utc is not None:
            until = min(until, crl.next_update_utc.timestamp())
        with self._lock:
            self._crls[url] = (until, crl)
        return crl

    def _unavailable(self, cert, why: str) -> None:
        if self.fail_closed:
            raise EidasError(f"the revocation status of {_name(cert)} is unknown: {why} "
                             "(EIDAS_FAIL_CLOSED)")
        log.warning("eidas_revocation_unknown_accepted", subject=_name(cert))


def crl_urls(cert: x509.Certificate) -> list[str]:
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    return [name.value for point in points for name in (point.full_name or [])
            if isinstance(name, x509.UniformResourceIdentifier)
            and name.value.startswith(("http://", "https://"))]


def _name(cert: x509.Certificate) -> str:
    return cert.subject.rfc4514_string()


@dataclass
class EidasVerifier:
    """Checks a presented certificate chain (leaf first) and returns its PSD2 identity."""

    anchors: list[x509.Certificate]
    revocation: RevocationChecker = field(default_factory=RevocationChecker)
    # more anchors, read at each check (the demo's sandbox CA, which may be made later)
    anchor_source: Callable[[], list[x509.Certificate]] | None = None

    @property
    def configured(self) -> bool:
        return bool(self.anchors) or self.anchor_source is not None

    def trust_anchors(self) -> list[x509.Certificate]:
        return self.anchors + (self.anchor_source() if self.anchor_source else [])

    def verify(self, chain: list[x509.Certificate], *, purpose: str = "qwac",
               now: dt.datetime | None = None) -> Psd2Identity:
        if not chain:
            raise EidasError("no certificate was presented")
        anchors = self.trust_anchors()
        if not anchors:
            raise EidasError("no QTSP trust anchors are configured (EIDAS_TRUST_ANCHORS)")
        ee_policy = _QWAC_POLICY if purpose == "qwac" else verification.ExtensionPolicy.permit_all()
        verifier = (verification.PolicyBuilder().store(verification.Store(anchors))
                    .time(now or dt.datetime.now(dt.UTC))
                    .extension_policies(ca_policy=verification.ExtensionPolicy.webpki_defaults_ca(),
                                        ee_policy=ee_policy)
                    .build_client_verifier())
        try:
            verified = verifier.verify(chain[0], chain[1:]).chain
        except verification.VerificationError as exc:
            raise EidasError(f"the certificate does not chain to a trusted QTSP, or is not "
                             f"valid now: {exc}") from exc
        for cert, issuer in zip(verified, verified[1:], strict=False):
            self.revocation.check(cert, issuer)
        try:
            identity = psd2_identity(chain[0])
        except Psd2AttributeError as exc:
            raise EidasError(str(exc)) from exc
        if identity.statement is None:
            raise EidasError("the certificate has no PSD2 QC statement (ETSI TS 119 495)")
        if not (identity.organization_identifier or "").startswith("PSD"):
            raise EidasError("the certificate's subject has no PSD2 organizationIdentifier "
                             "(PSD<country>-<authority>-<authorisation number>)")
        return identity
