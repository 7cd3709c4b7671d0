"""A test QTSP, its CRL endpoint and a test directory, for the eIDAS tests."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

import httpx
from cryptography.hazmat.primitives.serialization import Encoding
from joserfc import jwk

from auth.eidas import Psd2Statement
from auth.eidas_ca import SandboxCa, pem
from tests.fixtures.auth import TestTpp, new_key, sign

CRL_URL = "http://qtsp.test/crl"
DIRECTORY_ISSUER = "Test Directory"
REDIRECT = "https://tpp.example/cb"


class Crls:
    """The QTSP's CRL endpoint: serves the current CRL, counts fetches, can go down."""

    def __init__(self, ca: SandboxCa) -> None:
        self.ca, self.revoked, self.fetches, self.down = ca, set(), 0, False

    def __call__(self, url: str) -> bytes:
        self.fetches += 1
        if self.down:
            raise httpx.ConnectError("down")
        return self.ca.crl(self.revoked).public_bytes(Encoding.DER)


class Pki:
    """The QTSP, the directory key and what a test TPP holds."""

    def __init__(self, tmp_path) -> None:
        self.qtsp = SandboxCa.create("Test QTSP")
        self.crls = Crls(self.qtsp)
        self.directory_key = new_key("ES256")
        self.anchors = tmp_path / "qtsps.pem"
        self.anchors.write_bytes(pem(self.qtsp.certificate))
        self.directory_jwks = tmp_path / "directory.jwks.json"
        self.directory_jwks.write_text(json.dumps({"keys": [
            {**self.directory_key.as_dict(private=False), "kid": "dir-1"}]}))

    def settings(self, **extra) -> dict:
        return {"EIDAS_TRUST_ANCHORS": str(self.anchors),
                "SOFTWARE_STATEMENT_ISSUER": DIRECTORY_ISSUER,
                "SOFTWARE_STATEMENT_JWKS": str(self.directory_jwks), **extra}

    def install(self, app) -> None:
        app.extensions["auth"].eidas.verifier.revocation.fetch = self.crls

    def qwac(self, roles=("PSP_AI", "PSP_PI"), *, ca=None, org_id="PSDGB-FCA-123456", **kw):
        statement = None if roles is None else Psd2Statement(tuple(roles), "FCA", "GB-FCA")
        return (ca or self.qtsp).issue(organisation="Example TPP Ltd",
                                       organization_identifier=org_id, statement=statement,
                                       crl_url=CRL_URL, **kw)[0]

    def statement(self, roles=("AISP", "PISP"), *, key=None, tpp_key=None, iss=DIRECTORY_ISSUER,
                  exp_in=300, kid="dir-1", **claims) -> str:
        now = int(time.time())
        body = {"iss": iss, "iat": now, "exp": now + exp_in, "jti": str(now),
                "software_id": "sw-1", "software_client_name": "Example Budgeting",
                "software_roles": list(roles), "software_redirect_uris": [REDIRECT],
                "org_id": "org-1", "org_name": "Example TPP Ltd", "org_status": "Active",
                **claims}
        if tpp_key is not None:
            body["software_jwks"] = {"keys": [tpp_key.as_dict(private=False)]}
        return sign(key or self.directory_key, {"kid": kid, "typ": "JWT"}, body, "ES256")


def tpp_key():
    """A TPP's signing key, with the `kid` its assertions name."""
    return jwk.ECKey.generate_key("P-256", auto_kid=True)


def cert_header(app, *certs) -> dict:
    return {app.config["CLIENT_CERT_HEADER"]: quote(pem(*certs).decode(), safe="")}


def register(app, body: dict, *certs, token: str | None = None):
    headers = cert_header(app, *certs) if certs else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return app.test_client().post("/register", json=body, headers=headers)


def tpp_for(app, answer: dict, key, cert=None) -> TestTpp:
    """A test client for a registration answer, sending `cert` as its QWAC on every call."""
    tpp = TestTpp(app, client_id=answer["client_id"], name=answer["client_name"],
                  roles=tuple(answer["roles"]), key=key, alg="ES256", binding="dpop",
                  cert=cert, redirect_uri=REDIRECT)
    tpp.auth_method = "private_key_jwt"
    return tpp
