"""The sandbox banks' OAuth servers: sign-in page, PKCE, client authentication."""

from __future__ import annotations

import base64
import time
import uuid

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from aggregation.connectors.client_auth import Pkce, PrivateKeyJwt
from sandbox.state import AWAITING

NG = "/sandbox/northgate"
TOKEN_URL = f"http://localhost{NG}/oauth/token"


def basic(client_id: str, secret: str) -> dict:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def northgate_auth(registry) -> PrivateKeyJwt:
    return registry.client_auth(registry.get("northgate"))


def client_token(client, registry) -> str:
    form = {"grant_type": "client_credentials", "scope": "accounts"}
    northgate_auth(registry).apply(form, TOKEN_URL)
    response = client.post(f"{NG}/oauth/token", data=form)
    assert response.status_code == 200, response.json
    return response.json["access_token"]


def ob_consent(client, registry) -> str:
    token = client_token(client, registry)
    response = client.post(f"{NG}/open-banking/v4.0/aisp/account-access-consents",
                           json={"Data": {"Permissions": ["ReadBalances"]}, "Risk": {}},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201
    return response.json["Data"]["ConsentId"]


def authorise_query(consent_id: str, **changes) -> dict:
    query = {"client_id": "obhub-at-northgate", "response_type": "code",
             "redirect_uri": "https://tpp.example/cb", "state": "s",
             "code_challenge": Pkce.new().challenge, "code_challenge_method": "S256",
             "openbanking_intent_id": consent_id, **changes}
    return {k: v for k, v in query.items() if v is not None}


def test_private_key_jwt_es256_accepted(client, registry):
    assert client_token(client, registry)


def test_assertion_replay_refused(client, registry):
    form = {"grant_type": "client_credentials"}
    northgate_auth(registry).apply(form, TOKEN_URL)
    assert client.post(f"{NG}/oauth/token", data=form).status_code == 200
    again = client.post(f"{NG}/oauth/token", data=form)
    assert again.status_code == 401 and again.json["error"] == "invalid_client"


@pytest.mark.parametrize("claims", [{"aud": "https://elsewhere.example/token"},
                                    {"exp": int(time.time()) - 10},
                                    {"iss": "someone-else"}])
def test_bad_assertion_claims_refused(client, registry, claims):
    auth = northgate_auth(registry)
    now = int(time.time())
    body = {"iss": auth.client_id, "sub": auth.client_id, "aud": TOKEN_URL,
            "jti": str(uuid.uuid4()), "iat": now, "exp": now + 60, **claims}
    assertion = jwt.encode({"alg": "ES256", "kid": auth.key.kid}, body, auth.key)
    response = client.post(f"{NG}/oauth/token", data={
        "grant_type": "client_credentials", "client_assertion": assertion,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})
    assert response.status_code == 401


def test_rs256_and_unknown_keys_refused(client, registry):
    key = RSAKey.generate_key(2048)
    now = int(time.time())
    claims = {"iss": "obhub-at-northgate", "sub": "obhub-at-northgate", "aud": TOKEN_URL,
              "jti": str(uuid.uuid4()), "iat": now, "exp": now + 60}
    for alg in ("RS256", "PS256"):  # RS256 is never accepted; PS256 by a key not registered
        assertion = jwt.encode({"alg": alg}, claims, key, algorithms=[alg])
        response = client.post(f"{NG}/oauth/token", data={
            "grant_type": "client_credentials", "client_assertion": assertion,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"})
        assert response.status_code == 401


def test_ps256_client_key(tmp_path):
    """A registry entry signing PS256 gets its RSA key made and trusted by the sandbox."""
    from flask import Flask

    from aggregation.registry import BankRegistry, parse_bank
    from sandbox import mount
    from sandbox.trust import sandbox_banks

    registry = BankRegistry.load(issuer="http://localhost", base_dir=tmp_path)
    entry = registry.get("northgate").summary()
    bank = parse_bank({"id": "northgate", "name": "N", "standard": "ob-uk-4.0", "country": "GB",
                       "auth_url": entry["auth_url"], "token_url": entry["token_url"],
                       "api_url": entry["api_url"], "sandbox": "northgate",
                       "client": {"client_id": "ps-client", "auth_method": "private_key_jwt",
                                  "signing_alg": "PS256",
                                  "signing_key_ref": "file:keys/ps.pem"}}, "http://localhost")
    ps_registry = BankRegistry([bank], base_dir=tmp_path)
    assert ps_registry.ensure_sandbox_keys() == [tmp_path / "keys" / "ps.pem"]
    app = Flask("ps")
    mount(app, sandbox_banks(ps_registry.sandbox_clients()))
    form = {"grant_type": "client_credentials"}
    auth = ps_registry.client_auth(bank)
    assert auth.alg == "PS256"
    auth.apply(form, TOKEN_URL)
    assert app.test_client().post(f"{NG}/oauth/token", data=form).status_code == 200


def test_client_secret_basic(client):
    url = "/sandbox/thamesmoor/oauth/token"
    form = {"grant_type": "client_credentials"}
    ok = client.post(url, data=form, headers=basic("obhub-at-thamesmoor",
                                                   "thamesmoor-sandbox-secret"))
    assert ok.status_code == 200 and ok.headers["Cache-Control"] == "no-store"
    wrong = client.post(url, data=form, headers=basic("obhub-at-thamesmoor", "nope"))
    assert wrong.status_code == 401 and wrong.json["error"] == "invalid_client"


@pytest.mark.parametrize("changes", [{"client_id": "stranger"},
                                     {"code_challenge_method": "plain"},
                                     {"code_challenge": None},
                                     {"redirect_uri": None},
                                     {"openbanking_intent_id": "no-such-consent"}])
def test_authorise_refuses_bad_requests(client, registry, changes):
    consent_id = ob_consent(client, registry)
    page = client.get(f"{NG}/oauth/authorize", query_string=authorise_query(consent_id,
                                                                            **changes))
    assert page.status_code == 400


def test_wrong_password_shows_the_page_again(client, registry, states):
    consent_id = ob_consent(client, registry)
    form = {**authorise_query(consent_id), "username": "alice", "password": "guess",
            "decision": "approve"}
    page = client.post(f"{NG}/oauth/authorize", data=form)
    assert page.status_code == 401 and b"wrong password" in page.data
    assert states["northgate"].consents[consent_id].status == AWAITING
    stranger = client.post(f"{NG}/oauth/authorize", data={**form, "username": "mallory",
                                                           "password": "sandbox"})
    assert stranger.status_code == 401


def test_sign_in_page_escapes_what_it_echoes(client, registry):
    consent_id = ob_consent(client, registry)
    page = client.get(f"{NG}/oauth/authorize",
                      query_string=authorise_query(consent_id, state='"><script>x</script>'))
    assert page.status_code == 200 and b"<script>x" not in page.data


def test_metadata(client):
    meta = client.get("/sandbox/rheinfeld/.well-known/oauth-authorization-server").json
    assert meta["issuer"] == "http://localhost/sandbox/rheinfeld"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert set(meta["token_endpoint_auth_signing_alg_values_supported"]) == {"ES256", "PS256"}
