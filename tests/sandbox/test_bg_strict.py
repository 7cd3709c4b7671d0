"""A strict sandbox Berlin Group bank: its profile switches (SANDBOX_BG_PROFILES) and the
signature check's refusal for each way a request can be signed wrong."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from aggregation.connectors.bg_signing import SealSigner
from auth.eidas_ca import SandboxCa
from core.config import SettingError, parse_setting
from sandbox.bg_signature import Refused, verify
from sandbox.profiles import BgProfile
from sandbox.settings import SETTINGS, bg_profiles
from sandbox.trust import sandbox_banks

NOW = dt.datetime.now(dt.UTC)
BODY = b'{"access": {"accounts": []}}'


def test_bg_switches_parse_in_any_order():
    assert bg_profiles("rheinfeld=signing+poll:3+decoupled+mtls") == {"rheinfeld": BgProfile(
        "decoupled", signing_required=True, mtls_required=True, poll_seconds=3)}
    assert bg_profiles("rheinfeld=redirect") == {"rheinfeld": BgProfile("redirect")}
    assert bg_profiles("rheinfeld=embedded") == {"rheinfeld": BgProfile("embedded")}
    assert bg_profiles("") == {}


@pytest.mark.parametrize("value", ["rheinfeld=redirect+decoupled", "rheinfeld=embedded+redirect",
                                   "rheinfeld=poll:soon", "decoupled"])
def test_wrong_bg_switches_are_refused_in_one_line(value):
    _, parser, _ = SETTINGS["SANDBOX_BG_PROFILES"]
    with pytest.raises(SettingError) as refused:
        parse_setting("SANDBOX_BG_PROFILES", value, parser)
    assert "SANDBOX_BG_PROFILES" in str(refused.value) and "\n" not in str(refused.value)


def test_bg_profiles_apply_to_berlin_group_banks_only():
    with pytest.raises(ValueError, match="Berlin Group"):
        sandbox_banks({}, bg_profiles={"northgate": BgProfile("decoupled")})
    (rheinfeld,) = [b for b in sandbox_banks({}, bg_profiles={
        "rheinfeld": BgProfile("decoupled")}, tpp_ca_pem=b"PEM") if b.id == "rheinfeld"]
    assert rheinfeld.bg_profile == BgProfile("decoupled", tpp_ca_pem=b"PEM")


def signed(qtsp, *, not_after=None, headers=None, body=BODY) -> httpx.Headers:
    certificate, key = qtsp.issue(organisation="Budget App Ltd", organization_identifier=None,
                                  statement=None, purpose="qseal",
                                  # valid from before NOW, the checks' clock, whenever issued
                                  not_before=NOW - dt.timedelta(hours=1), not_after=not_after,
                                  key=rsa.generate_private_key(65537, 2048))
    request = httpx.Request("POST", "https://bank.example/v1/consents", content=body,
                            headers={"X-Request-ID": "9d2f3c1e-8a1b-4c1e-9a51-7f1d2c3b4a5e",
                                     **(headers or {})})
    SealSigner(certificate, key).sign(request)
    return request.headers


def refusal(headers, qtsp, body=BODY) -> tuple[int, str]:
    with pytest.raises(Refused) as refused:
        verify(headers, body, [qtsp.certificate], NOW)
    return refused.value.status, refused.value.code


def test_a_well_signed_request_passes(qtsp):
    verify(signed(qtsp, headers={"PSU-ID": "alice"}), BODY, [qtsp.certificate], NOW)


def test_each_wrong_signature_has_its_code(qtsp):
    good = signed(qtsp)
    assert refusal(good, qtsp, body=b"{}") == (401, "SIGNATURE_INVALID")  # body changed
    malformed = good.copy()
    malformed["Signature"] = 'keyId="x"'
    assert refusal(malformed, qtsp) == (400, "FORMAT_ERROR")
    unsigned_psu = good.copy()
    unsigned_psu["PSU-ID"] = "mallory"  # sent, but not among the signed headers
    assert refusal(unsigned_psu, qtsp) == (401, "SIGNATURE_INVALID")
    other_key = good.copy()
    other_key["Signature"] = good["Signature"].replace("SN=", "SN=1", 1)
    assert refusal(other_key, qtsp) == (401, "CERTIFICATE_INVALID")
    missing = good.copy()
    del missing["Signature"]
    assert refusal(missing, qtsp) == (401, "SIGNATURE_MISSING")


def test_certificates_the_bank_cannot_accept(qtsp):
    expired = signed(qtsp, not_after=NOW - dt.timedelta(minutes=1))
    assert refusal(expired, qtsp) == (401, "CERTIFICATE_EXPIRED")
    stranger = signed(SandboxCa.create("Other QTSP"))
    assert refusal(stranger, qtsp) == (401, "CERTIFICATE_INVALID")
    garbled = signed(qtsp)
    garbled["TPP-Signature-Certificate"] = "not base64!"
    assert refusal(garbled, qtsp) == (401, "CERTIFICATE_INVALID")
