"""Client certificates from the proxy header: parsing, thumbprints, subject matching."""

from __future__ import annotations

import pytest

from auth import mtls
from tests.fixtures.auth import self_signed_cert


def test_round_trip_and_match():
    cert = self_signed_cert("tpp.example")
    parsed = mtls.certificate_from_header(mtls.encode_for_header(cert))
    assert mtls.thumbprint(parsed) == mtls.thumbprint(cert)
    assert mtls.matches_client(parsed, subject="O=Test TPPs,CN=tpp.example", cert_thumbprint=None)
    assert mtls.matches_client(parsed, subject=None, cert_thumbprint=mtls.thumbprint(cert))
    assert not mtls.matches_client(parsed, subject="CN=other", cert_thumbprint=None)
    assert not mtls.matches_client(parsed, subject=None, cert_thumbprint=None)


def test_absent_and_garbage():
    assert mtls.certificate_from_header(None) is None
    with pytest.raises(mtls.CertificateError):
        mtls.certificate_from_header("-----BEGIN CERTIFICATE-----%0Anope")
