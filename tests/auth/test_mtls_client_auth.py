"""tls_client_auth against the configured CA bundle, and self_signed_tls_client_auth (RFC 8705).

A directory-style PKI made here: root CA -> issuing CA -> TPP transport certificate with an
eIDAS-style subject (organizationIdentifier PSDGB-FCA-123456).
"""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from joserfc import jwk

from auth import mtls, registry
from tests.fixtures.auth import self_signed_cert

SUBJECT = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "GB"),
                     x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example TPP Ltd"),
                     x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, "PSDGB-FCA-123456"),
                     x509.NameAttribute(NameOID.COMMON_NAME, "tpp.example")])
NOW = dt.datetime.now(dt.UTC)


def _name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _issue(subject, key, issuer_name, issuer_key, *, ca, days=(-1, 30), leaf_eku=True):
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOW + dt.timedelta(days=days[0]))
               .not_valid_after(NOW + dt.timedelta(days=days[1]))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                   issuer_key.public_key()), critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        if leaf_eku:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="module")
def pki():
    root_key, issuing_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    root = _issue(_name("Test Directory Root CA"), root_key, _name("Test Directory Root CA"),
                  root_key, ca=True, days=(-10, 3650))
    issuing = _issue(_name("Test Directory Issuing CA"), issuing_key, root.subject, root_key,
                     ca=True, days=(-10, 1000))
    return {"root": root, "issuing": issuing, "issuing_key": issuing_key}


def leaf(pki, subject=SUBJECT, **kw):
    return _issue(subject, ec.generate_private_key(ec.SECP256R1()), pki["issuing"].subject,
                  pki["issuing_key"], ca=False, **kw)


def pem(*certs):
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


@pytest.fixture
def ca_configured(app, pki, tmp_path):
    bundle = tmp_path / "directory-cas.pem"
    bundle.write_bytes(pem(pki["root"]))
    app.extensions["auth"].client_ca_store = mtls.load_ca_bundle(str(bundle))
    return app


def register(app, **kw):
    with app.extensions["session_factory"]() as session, session.begin():
        return registry.register_client(session, name="mTLS TPP", roles=["COP"], **kw).client_id


def token(app, client_id, *certs):
    from urllib.parse import quote
    header = quote(pem(*certs).decode(), safe="")
    return app.test_client().post("/token", data={
        "grant_type": "client_credentials", "client_id": client_id, "scope": "payee-checks"},
        headers={app.config["CLIENT_CERT_HEADER"]: header})


def refused(resp, words):
    assert resp.status_code == 401, resp.get_json()
    assert resp.get_json()["error"] == "invalid_client"
    assert words in resp.get_json()["error_description"]


# -- tls_client_auth -------------------------------------------------------------------------

def test_directory_issued_certificate_with_the_registered_dn(ca_configured, pki):
    client_id = register(ca_configured, tls_subject=SUBJECT.rfc4514_string())
    resp = token(ca_configured, client_id, leaf(pki), pki["issuing"])
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["token_type"] == "Bearer"


def test_self_signed_copy_of_the_registered_dn_is_refused(ca_configured):
    client_id = register(ca_configured, tls_subject=SUBJECT.rfc4514_string())
    key = ec.generate_private_key(ec.SECP256R1())
    forged = _issue(SUBJECT, key, SUBJECT, key, ca=False)
    refused(token(ca_configured, client_id, forged), "not issued by a trusted CA")


def test_certificate_without_its_intermediate_is_refused(ca_configured, pki):
    client_id = register(ca_configured, tls_subject=SUBJECT.rfc4514_string())
    refused(token(ca_configured, client_id, leaf(pki)), "not issued by a trusted CA")


@pytest.mark.parametrize("days", [(-30, -1), (1, 30)])
def test_certificate_outside_its_validity_is_refused(ca_configured, pki, days):
    client_id = register(ca_configured, tls_subject=SUBJECT.rfc4514_string())
    refused(token(ca_configured, client_id, leaf(pki, days=days), pki["issuing"]),
            "not issued by a trusted CA")


def test_directory_certificate_with_another_dn_is_refused(ca_configured, pki):
    client_id = register(ca_configured, tls_subject=SUBJECT.rfc4514_string())
    other = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "other.example")])
    refused(token(ca_configured, client_id, leaf(pki, subject=other), pki["issuing"]),
            "subject DN")


def test_dn_matching_needs_a_ca_bundle(app, pki):
    client_id = register(app, tls_subject=SUBJECT.rfc4514_string())
    refused(token(app, client_id, leaf(pki), pki["issuing"]), "TLS_CLIENT_CA_BUNDLE")


def test_bad_ca_bundle_names_the_setting(tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    with pytest.raises(ValueError, match="TLS_CLIENT_CA_BUNDLE"):
        mtls.load_ca_bundle(str(bad))
    with pytest.raises(ValueError, match="TLS_CLIENT_CA_BUNDLE"):
        mtls.load_ca_bundle(str(tmp_path / "missing.pem"))


# -- self_signed_tls_client_auth -------------------------------------------------------------

def jwk_with_x5c(cert):
    data = jwk.ECKey.import_key(cert.public_key()).as_dict(private=False)
    der = cert.public_bytes(serialization.Encoding.DER)
    return {**data, "kid": "tls", "x5c": [base64.b64encode(der).decode()]}


def test_self_signed_certificate_in_the_registered_x5c(app):
    cert = self_signed_cert("self.tpp.example")
    client_id = register(app, jwks={"keys": [jwk_with_x5c(cert)]},
                         auth_method="self_signed_tls_client_auth")
    resp = token(app, client_id, cert)
    assert resp.status_code == 200, resp.get_json()


def test_self_signed_certificate_not_in_x5c_is_refused(app):
    cert = self_signed_cert("self.tpp.example")
    client_id = register(app, jwks={"keys": [jwk_with_x5c(cert)]},
                         auth_method="self_signed_tls_client_auth")
    same_dn_other_key = self_signed_cert("self.tpp.example")
    refused(token(app, client_id, same_dn_other_key), "x5c")


def test_self_signed_registration_needs_x5c(app):
    from tests.fixtures.auth import new_key
    with pytest.raises(registry.RegistrationError, match="x5c"):
        register(app, jwks={"keys": [new_key().as_dict(private=False)]},
                 auth_method="self_signed_tls_client_auth")


def test_private_key_jwt_client_cannot_use_a_certificate(app):
    cert = self_signed_cert("x")
    from tests.fixtures.auth import new_key
    client_id = register(app, jwks={"keys": [new_key().as_dict(private=False)]})
    refused(token(app, client_id, cert), "private_key_jwt")


def test_metadata_advertises_both_methods(client):
    meta = client.get("/.well-known/oauth-authorization-server").get_json()
    for endpoint in ("token", "introspection", "revocation"):
        methods = meta[f"{endpoint}_endpoint_auth_methods_supported"]
        assert {"tls_client_auth", "self_signed_tls_client_auth"} <= set(methods)
    assert meta["tls_client_certificate_bound_access_tokens"] is True
