"""A QSealC behind a TPP's message signatures must be its own: the organizationIdentifier of
the TPP that sends it and every PSD2 role it uses here; otherwise its signed messages are
refused with UK.OBIE.Signature.Invalid."""

from __future__ import annotations

import base64
import time

import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from joserfc import jwk

from auth import eidas_seal
from auth.eidas import Psd2Statement
from auth.eidas_ca import SandboxCa
from auth.eidas_trust import EidasVerifier, RevocationChecker
from auth.identity_models import TppIdentity
from cop import signing
from tests.auth.eidas_helpers import CRL_URL, Pki, register, tpp_for
from tests.cop.conftest import bank_owner, seeded  # noqa: F401 - fixtures
from tests.cop.test_api import REQUESTING_BIC, SCOPE, UK_PATH, register_requesting_psp
from tests.cop.test_message_signing import BODY

ORG = "PSDGB-FCA-123456"


@pytest.fixture
def pki(tmp_path):
    return Pki(tmp_path)


def sealed_key(ca: SandboxCa, *, org=ORG, roles=("PSP_PI",), other_key=False):
    """A TPP signing key whose JWK carries its QSealC in x5c."""
    key = jwk.ECKey.generate_key("P-256", auto_kid=True)
    sealed = jwk.ECKey.generate_key("P-256") if other_key else key
    cert, _ = ca.issue(organisation="Example TPP Ltd", organization_identifier=org,
                       statement=Psd2Statement(tuple(roles), "FCA", "GB-FCA"), purpose="qseal",
                       crl_url=CRL_URL, key=sealed.private_key)
    x5c = [base64.b64encode(cert.public_bytes(Encoding.DER)).decode()]
    return key, {**key.as_dict(private=False), "use": "sig", "x5c": x5c}


def identity(roles=("PSP_PI",)):
    return TppIdentity(client_id="c-1", organization_identifier=ORG, register_key=ORG,
                       psd2_roles=list(roles))


def check(pki, public, who=None, verifier=True):
    trust = EidasVerifier([pki.qtsp.certificate], RevocationChecker(fetch=pki.crls)) \
        if verifier else None
    eidas_seal.check_seals({"keys": [public]}, who or identity(), trust)


def test_the_tpps_own_seal_is_accepted(pki):
    check(pki, sealed_key(pki.qtsp, roles=("PSP_AI", "PSP_PI"))[1])
    check(pki, sealed_key(pki.qtsp)[1], verifier=False)  # no QTSPs configured: attributes only


@pytest.mark.parametrize("kw, message", [
    ({"org": "PSDGB-FCA-999999"}, "names PSDGB-FCA-999999, not this TPP's PSDGB-FCA-123456"),
    ({"roles": ("PSP_AI",)}, "lacks the PSD2 role(s) PSP_PI this TPP uses"),
    ({"other_key": True}, "is for another key")])
def test_another_organisations_seal_a_missing_role_or_another_key_is_refused(pki, kw,
                                                                             message):
    with pytest.raises(eidas_seal.SealRefused, match=message.replace("(", r"\(").replace(
            ")", r"\)")):
        check(pki, sealed_key(pki.qtsp, **kw)[1])


def test_a_seal_from_an_untrusted_ca_or_revoked_is_refused(pki):
    rogue = SandboxCa.create("Rogue QTSP")
    with pytest.raises(eidas_seal.SealRefused, match="refused: the certificate does not chain"):
        check(pki, sealed_key(rogue)[1])
    key, public = sealed_key(pki.qtsp)
    cert = eidas_seal._chain(public)[0]
    pki.crls.revoked.add(cert.serial_number)
    with pytest.raises(eidas_seal.SealRefused, match="revoked"):
        check(pki, public)


def test_keys_that_claim_no_psd2_seal_and_clients_without_identity_pass(pki):
    foreign = sealed_key(pki.qtsp, org="PSDGB-FCA-999999")[1]
    eidas_seal.check_seals({"keys": [foreign]}, None, None)  # no eIDAS identity to compare
    check(pki, {**foreign, "use": "enc"})  # not a signing key
    key = jwk.ECKey.generate_key("P-256", auto_kid=True)
    cert, _ = pki.qtsp.issue(organisation="Example TPP Ltd", organization_identifier=None,
                             statement=None, purpose="qseal", key=key.private_key)
    check(pki, {**key.as_dict(private=False),  # e.g. RFC 8705 §2.2's certificate: no PSD2
                "x5c": [base64.b64encode(cert.public_bytes(Encoding.DER)).decode()]})


# Over HTTP: a payee check signed with a key whose QSealC is (not) the TPP's own.

@pytest.fixture
def app_settings(pki):
    return pki.settings()


def eidas_cop_tpp(app, pki, public, key):
    statement = pki.statement(("PISP",), software_jwks={"keys": [public]})
    resp = register(app, {"software_statement": statement}, pki.qwac())
    assert resp.status_code == 201, resp.get_json()
    tpp = tpp_for(app, resp.get_json(), key, pki.qwac())
    register_requesting_psp(app, REQUESTING_BIC, tpp.client_id)
    return tpp


def signed_check(tpp):
    token = tpp.token(SCOPE)
    signature = signing.sign(BODY, tpp.key, kid=tpp.key.kid, issuer=tpp.client_id,
                             trust_anchor="openbanking.org.uk", now=time.time())
    headers = {"Authorization": f"DPoP {token}", signing.HEADER: signature,
               **tpp.binding_headers("POST", UK_PATH, token)}
    return tpp.client.open(UK_PATH, method="POST", data=BODY, content_type="application/json",
                           headers=headers)


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize("kw, status, error", [
    ({}, 200, None),
    ({"org": "PSDGB-FCA-999999"}, 400, "names PSDGB-FCA-999999"),
    ({"roles": ("PSP_AI",)}, 400, "lacks the PSD2 role(s) PSP_PI")])
def test_signed_payee_check_with_own_wrong_org_or_role_missing_seal(app, pki, kw, status,
                                                                    error):
    pki.install(app)
    key, public = sealed_key(pki.qtsp, **kw)
    resp = signed_check(eidas_cop_tpp(app, pki, public, key))
    assert resp.status_code == status, resp.get_json()
    if error:
        [problem] = resp.get_json()["Errors"]
        assert problem["ErrorCode"] == "UK.OBIE.Signature.Invalid"
        assert error in problem["Message"]
