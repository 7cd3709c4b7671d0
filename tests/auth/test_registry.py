"""TPP registry: RFC 7591 dynamic registration with its precise errors, and the `tpp` CLI."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.auth import new_key


def _jwks(alg="ES256"):
    key = new_key(alg)
    return {"keys": [{**key.as_dict(private=False), "kid": "k1"}]}


def _metadata(**overrides):
    return {"client_name": "Dynamic TPP", "redirect_uris": ["https://dyn.example/cb"],
            "jwks": _jwks(), "token_endpoint_auth_method": "private_key_jwt",
            "token_endpoint_auth_signing_alg": "ES256", **overrides}


@pytest.fixture
def initial_token(app):
    result = app.test_cli_runner().invoke(args=["tpp", "issue-registration-token",
                                                "--roles", "AISP,COP"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def _register(client, token, body):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/register", json=body, headers=headers)


def test_dynamic_registration(client, initial_token):
    resp = _register(client, initial_token, _metadata())
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["client_id"] and body["roles"] == ["AISP", "COP"]
    assert set(body["scope"].split()) == {"accounts", "payee-checks", "status"}
    # single use
    again = _register(client, initial_token, _metadata())
    assert again.status_code == 401 and again.get_json()["error"] == "invalid_token"


def test_registration_needs_initial_token(client):
    resp = _register(client, None, _metadata())
    assert resp.status_code == 401 and resp.get_json()["error"] == "invalid_token"
    assert "WWW-Authenticate" in resp.headers
    assert _register(client, "made-up", _metadata()).status_code == 401


@pytest.mark.parametrize("overrides, error", [
    ({"redirect_uris": ["http://dyn.example/cb"]}, "invalid_redirect_uri"),
    ({"redirect_uris": ["https://dyn.example/cb#frag"]}, "invalid_redirect_uri"),
    ({"redirect_uris": "https://dyn.example/cb"}, "invalid_redirect_uri"),
    ({"token_endpoint_auth_signing_alg": "RS256"}, "invalid_client_metadata"),
    ({"token_endpoint_auth_signing_alg": "HS256"}, "invalid_client_metadata"),
    ({"token_endpoint_auth_method": "client_secret_basic"}, "invalid_client_metadata"),
    ({"token_endpoint_auth_method": "none"}, "invalid_client_metadata"),
    ({"jwks": {"keys": [{"kty": "EC", "crv": "P-256", "x": "bad"}]}}, "invalid_client_metadata"),
    ({"jwks": {"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}}, "invalid_client_metadata"),
    ({"jwks": {"keys": [{**new_key().as_dict(private=True)}]}}, "invalid_client_metadata"),
    ({"jwks": {"keys": [{**_jwks()["keys"][0], "alg": "RS256"}]}}, "invalid_client_metadata"),
    ({"jwks": "not a set"}, "invalid_client_metadata"),
    ({"jwks": None, "jwks_uri": "http://dyn.example/jwks"}, "invalid_client_metadata"),
    ({"grant_types": ["password"]}, "invalid_client_metadata"),
    ({"response_types": ["token"]}, "invalid_client_metadata"),
    ({"scope": "status-admin"}, "invalid_client_metadata"),
    ({"client_name": ""}, "invalid_client_metadata"),
])
def test_bad_metadata(client, initial_token, overrides, error):
    resp = _register(client, initial_token, _metadata(**overrides))
    assert resp.status_code == 400, resp.get_json()
    assert resp.get_json()["error"] == error


@pytest.mark.filterwarnings("ignore:Key size")
def test_rsa_keys_below_2048_refused(client, initial_token):
    from cryptography.hazmat.primitives.asymmetric import rsa
    from joserfc import jwk

    raw = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    key = jwk.RSAKey.import_key(raw.public_key())
    resp = _register(client, initial_token, _metadata(jwks={"keys": [key.as_dict()]}))
    assert resp.get_json()["error"] == "invalid_client_metadata"


def test_registered_client_gets_tokens(app, client, initial_token):
    from tests.fixtures.auth import TestTpp

    key = new_key()
    key_dict = {**key.as_dict(private=False), "kid": "k1"}
    resp = _register(client, initial_token, _metadata(jwks={"keys": [key_dict]}))
    from joserfc import jwk

    private = jwk.import_key({**key.as_dict(private=True), "kid": "k1"})
    tpp = TestTpp(app, client_id=resp.get_json()["client_id"], name="Dynamic TPP",
                  roles=("AISP",), key=private, alg="ES256", binding="dpop", cert=None,
                  redirect_uri="https://dyn.example/cb")
    tpp.auth_method = "private_key_jwt"
    assert tpp.token("accounts")


def test_cli_register_and_list(app, tmp_path):
    runner = app.test_cli_runner()
    jwks_file = tmp_path / "jwks.json"
    jwks_file.write_text(json.dumps(_jwks("PS256")))
    result = runner.invoke(args=["tpp", "register", "--name", "CLI TPP", "--roles", "AISP,COP",
                                 "--jwks", str(jwks_file), "--redirect-uri",
                                 "https://cli.example/cb"])
    assert result.exit_code == 0, result.output
    client_id = result.output.strip()
    listing = runner.invoke(args=["tpp", "list"]).output
    assert client_id in listing and "AISP,COP" in listing and "CLI TPP" in listing


def test_cli_register_errors(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tpp", "register", "--name", "Bad", "--roles", "AISP",
                                 "--jwks-uri", "https://x.example/jwks", "--redirect-uri",
                                 "http://insecure.example/cb"])
    assert result.exit_code != 0 and "invalid_redirect_uri" in result.output
    result = runner.invoke(args=["tpp", "register", "--name", "Bad", "--roles", "WIZARD",
                                 "--jwks-uri", "https://x.example/jwks"])
    assert result.exit_code != 0 and "roles" in result.output


def test_cli_tls_client(app):
    result = app.test_cli_runner().invoke(args=[
        "tpp", "register", "--name", "mTLS TPP", "--roles", "COP",
        "--tls-subject", "CN=mtls.example,O=Example"])
    assert result.exit_code == 0, result.output


def test_jwks_uri_client(app):
    """A client registered with jwks_uri: its keys are fetched through the guarded fetcher
    (tests/auth/test_jwks_fetch.py) and cached."""
    from auth import registry

    key = new_key()
    public = {"keys": [{**key.as_dict(private=False), "kid": "u1"}]}
    calls = []

    class Fetcher:
        def keys(self, uri, validate):
            calls.append(uri)
            return validate(public)

    with app.extensions["session_factory"]() as session, session.begin():
        client = registry.register_client(session, name="Uri", roles=["AISP"],
                                          jwks_uri="https://uri.example/jwks")
        keyset = registry.client_keyset(client, Fetcher())
    assert calls == ["https://uri.example/jwks"] and keyset.keys[0].kid == "u1"


def test_client_ids_never_start_with_a_dash(monkeypatch):
    """A leading dash would make ``flask tpp show <id>`` read the id as an option."""
    from auth import registry

    drawn = iter(["-starts-with-dash", "--also", "fine-id"])
    monkeypatch.setattr(registry.secrets, "token_urlsafe", lambda n: next(drawn))
    assert registry.new_client_id() == "fine-id"
