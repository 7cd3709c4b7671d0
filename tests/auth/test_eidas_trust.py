"""eIDAS chain, validity and revocation checks: each certificate accepted or refused exactly."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import Encoding

from auth.eidas import Psd2Statement
from auth.eidas_ca import SandboxCa, pem
from auth.eidas_trust import EidasError, EidasVerifier, RevocationChecker, load_trust_anchors

CRL_URL = "http://qtsp.test/crl"
OCSP_URL = "http://qtsp.test/ocsp"
GOOD = Psd2Statement(("PSP_AI", "PSP_PI"), "Financial Conduct Authority", "GB-FCA")
NOW = dt.datetime.now(dt.UTC)


class Crls:
    """The QTSP's CRL endpoint: counts fetches, can be made unreachable."""

    def __init__(self, ca):
        self.ca, self.revoked, self.fetches, self.down = ca, set(), 0, False

    def __call__(self, url):
        self.fetches += 1
        if self.down:
            raise httpx.ConnectError("down")
        assert url == CRL_URL
        return self.ca.crl(self.revoked).public_bytes(Encoding.DER)


@pytest.fixture
def crls(qtsp):
    return Crls(qtsp)


def verifier(qtsp, crls, **kw):
    return EidasVerifier([qtsp.certificate], RevocationChecker(fetch=crls, **kw))


def issue(ca, **kw):
    kw.setdefault("organisation", "Example TPP Ltd")
    kw.setdefault("organization_identifier", "PSDGB-FCA-123456")
    kw.setdefault("statement", GOOD)
    kw.setdefault("crl_url", CRL_URL)
    return ca.issue(**kw)[0]


def test_good_qwac_is_accepted(qtsp, crls):
    identity = verifier(qtsp, crls).verify([issue(qtsp)])
    assert identity.organization_identifier == "PSDGB-FCA-123456"
    assert identity.service_roles == ("AISP", "COP")


def test_good_qseal_is_accepted_for_signing_only(qtsp, crls):
    seal = issue(qtsp, purpose="qseal")
    assert verifier(qtsp, crls).verify([seal], purpose="qseal").statement == GOOD
    with pytest.raises(EidasError, match="trusted QTSP"):
        verifier(qtsp, crls).verify([seal], purpose="qwac")


def test_without_qc_statement_is_refused(qtsp, crls):
    with pytest.raises(EidasError, match="no PSD2 QC statement"):
        verifier(qtsp, crls).verify([issue(qtsp, statement=None)])


def test_without_organisation_identifier_is_refused(qtsp, crls):
    with pytest.raises(EidasError, match="organizationIdentifier"):
        verifier(qtsp, crls).verify([issue(qtsp, organization_identifier=None)])


def test_expired_is_refused(qtsp, crls):
    cert = issue(qtsp, not_before=NOW - dt.timedelta(days=400),
                 not_after=NOW - dt.timedelta(days=1))
    with pytest.raises(EidasError, match="not valid now|expired"):
        verifier(qtsp, crls).verify([cert])


def test_untrusted_ca_is_refused(qtsp, crls):
    stranger = SandboxCa.create("Test QTSP")  # same name, other key
    with pytest.raises(EidasError, match="trusted QTSP"):
        verifier(qtsp, crls).verify([issue(stranger)])


def test_revoked_by_crl_is_refused(qtsp, crls):
    cert = issue(qtsp)
    crls.revoked.add(cert.serial_number)
    with pytest.raises(EidasError, match=r"revoked \(CRL\)"):
        verifier(qtsp, crls).verify([cert])


def test_crl_is_cached(qtsp, crls):
    check = verifier(qtsp, crls)
    check.verify([issue(qtsp)])
    check.verify([issue(qtsp)])
    assert crls.fetches == 1


def test_crl_unreachable_fails_closed_by_default(qtsp, crls):
    crls.down = True
    with pytest.raises(EidasError, match="EIDAS_FAIL_CLOSED"):
        verifier(qtsp, crls).verify([issue(qtsp)])
    assert verifier(qtsp, crls, fail_closed=False).verify([issue(qtsp)]).statement == GOOD


def test_crl_signed_by_another_ca_does_not_count(qtsp, crls):
    crls.ca = SandboxCa.create("Test QTSP")
    with pytest.raises(EidasError, match="revocation status .* unknown"):
        verifier(qtsp, crls).verify([issue(qtsp)])


def test_no_revocation_pointer_is_refused_unless_checks_are_off(qtsp, crls):
    cert = issue(qtsp, crl_url=None)
    with pytest.raises(EidasError, match="nowhere how to check"):
        verifier(qtsp, crls).verify([cert])
    assert verifier(qtsp, crls, mode="off").verify([cert]).statement == GOOD


@pytest.mark.parametrize("revoked", [False, True])
def test_ocsp_where_configured(qtsp, crls, revoked):
    cert = issue(qtsp, crl_url=None, ocsp_url=OCSP_URL)
    serials = {cert.serial_number} if revoked else set()
    asked = []

    def responder(url, body):
        asked.append(url)
        return qtsp.ocsp_answer(body, serials)

    check = EidasVerifier([qtsp.certificate], RevocationChecker(
        mode="ocsp,crl", fetch=crls, post=responder))
    for _ in range(2):
        if revoked:
            with pytest.raises(EidasError, match=r"revoked \(OCSP\)"):
                check.verify([cert])
        else:
            assert check.verify([cert]).statement == GOOD
    assert asked == [OCSP_URL]  # the answer is cached until its nextUpdate


def test_ocsp_answer_signed_by_a_stranger_falls_back_to_the_crl(qtsp, crls):
    stranger = SandboxCa.create("Test QTSP")
    cert = issue(qtsp, ocsp_url=OCSP_URL)
    check = EidasVerifier([qtsp.certificate], RevocationChecker(
        mode="ocsp,crl", fetch=crls, post=lambda url, body: stranger.ocsp_answer(body, ())))
    assert check.verify([cert]).statement == GOOD
    assert crls.fetches == 1


def test_trust_anchors_from_a_file_or_a_directory(qtsp, tmp_path):
    (tmp_path / "a.pem").write_bytes(pem(qtsp.certificate))
    (tmp_path / "b.crt").write_bytes(pem(SandboxCa.create("Other QTSP").certificate))
    assert len(load_trust_anchors(str(tmp_path))) == 2
    assert len(load_trust_anchors(str(tmp_path / "a.pem"))) == 1
    assert load_trust_anchors("") == []
    (tmp_path / "bad.pem").write_text("nonsense")
    with pytest.raises(ValueError, match="EIDAS_TRUST_ANCHORS"):
        load_trust_anchors(str(tmp_path / "bad.pem"))
