"""Every operation of the OpenAPI document × the ways a caller can be the wrong one.

The operation list comes from `openapi/openapi.json`, so an endpoint added to the document is
covered without touching this file; one that declares no security must be named in PUBLIC or
CLIENT_AUTHENTICATED below, or this suite fails — a new unauthenticated endpoint is a decision
someone has to write down, not a default.

For each secured operation: no token → 401 with a challenge; a token replayed by another TPP
(its own DPoP key) → 401; a token of another role → 403; for consent-bound data, the PSU token
after its consent was revoked → 401, and a PSU token of one consent on another TPP's consent
→ refused.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from core.dialects import mimetype_for
from tests.hardening.flows import CONSENTS, authorised_consent, install_bank

SPEC = json.loads((Path(__file__).resolve().parents[2] / "openapi/openapi.json").read_text())
METHODS = {"get", "post", "put", "patch", "delete"}

# Readable by anyone, by design (health, discovery, keys, the public status page and feed).
PUBLIC = {
    ("get", "/healthz"), ("get", "/readyz"), ("get", "/metrics"),
    ("get", "/.well-known/oauth-authorization-server"),
    ("get", "/.well-known/openid-configuration"), ("get", "/jwks"),
    ("get", "/status/v1/notices"), ("get", "/status/v1/notices/{notice_id}"),
    ("get", "/status/v1/summary"), ("get", "/status/v1/availability"),
}
# OAuth endpoints: the client authenticates in the body (private_key_jwt / tls_client_auth).
CLIENT_AUTHENTICATED = {("post", "/par"), ("post", "/token"), ("post", "/introspect"),
                        ("post", "/revoke")}
ROLE_OF_SCOPE = {"accounts": "AISP", "payee-checks": "COP", "payee-directory": "ASPSP",
                 "status-admin": "STATUS_ADMIN"}


def operations():
    for path, item in SPEC["paths"].items():
        for method, op in item.items():
            if method in METHODS:
                yield method, path, op


def scope_of(op) -> str | None:
    for requirement in op.get("security") or []:
        if "oauth2" in requirement:
            return (requirement["oauth2"] or ["status"])[0]
    return None


SECURED = [(m, p, scope_of(op)) for m, p, op in operations() if scope_of(op)]


def fill(path: str, consent_id: str = "aac-unknown") -> str:
    return re.sub(r"\{([^}]+)\}", lambda m: consent_id if m.group(1) == "consent_id"
                  else "x-unknown", path)


def call(tpp, method, path, token, *, dpop_key=None):
    headers = {"Authorization": f"DPoP {token}",
               "DPoP": tpp.dpop_proof(method.upper(), path, token, key=dpop_key)}
    body = {} if method in ("post", "put", "patch") else None
    return tpp.client.open(path, method=method.upper(), json=body, headers=headers)


def test_every_unsecured_operation_is_listed():
    unsecured = {(m, p) for m, p, op in operations() if not op.get("security")}
    unlisted = unsecured - PUBLIC - CLIENT_AUTHENTICATED
    assert not unlisted, f"operations without security, not listed as public: {unlisted}"


@pytest.mark.parametrize("method,path", sorted(CLIENT_AUTHENTICATED))
def test_oauth_endpoints_refuse_unauthenticated_clients(client, method, path):
    answer = client.post(path, data={"grant_type": "client_credentials", "token": "x",
                                     "response_type": "code", "client_id": "nobody"})
    assert answer.status_code == 401, answer.get_json()
    assert answer.get_json()["error"] == "invalid_client"


def test_register_needs_initial_access_token(client):
    answer = client.post("/register", json={"client_name": "x"})
    assert answer.status_code == 401


@pytest.mark.parametrize("method,path,scope", SECURED, ids=lambda v: str(v))
def test_secured_operation_refuses_wrong_callers(app, make_tpp, method, path, scope):
    role = ROLE_OF_SCOPE.get(scope, "AISP")
    owner = make_tpp(roles=(role,), name="Owner")
    thief = make_tpp(roles=(role,), name="Thief")
    url = fill(path)

    answer = owner.client.open(url, method=method.upper(), json={} if method != "get" else None)
    assert answer.status_code == 401, ("no token", answer.status_code)
    assert "WWW-Authenticate" in answer.headers
    assert answer.mimetype == mimetype_for(url)  # each API family in its own dialect

    token = owner.token(scope)
    stolen = call(thief, method, url, token, dpop_key=thief.dpop_key)
    assert stolen.status_code == 401, ("token of another TPP", stolen.get_json())

    if scope in ROLE_OF_SCOPE:
        other = next(r for r in ROLE_OF_SCOPE.values() if r != role)
        wrong = make_tpp(roles=(other,), name="Wrong role")
        other_scope = next(s for s, r in ROLE_OF_SCOPE.items() if r == other)
        refused = call(wrong, method, url, wrong.token(other_scope))
        assert refused.status_code == 403, ("wrong role", refused.get_json())


ACCOUNT_DATA = [(m, p, s) for m, p, s in SECURED if s == "accounts"]


@pytest.mark.parametrize("method,path,scope", ACCOUNT_DATA, ids=lambda v: str(v))
def test_consent_bound_access(app, make_tpp, make_psu, method, path, scope):
    install_bank(app)
    make_psu("alice")
    make_psu("bob")
    mine = authorised_consent(make_tpp(roles=("AISP",), name="Budget Buddy"), "alice")
    theirs = authorised_consent(make_tpp(roles=("AISP",), name="Other App"), "bob")

    # PSU of another consent: alice's token on a resource of bob's consent is refused. (A
    # path without an id reads alice's own consent, which is the point of her token.)
    if "{" in path:
        cross = call(mine.tpp, method, fill(path, theirs.consent_id), mine.psu_token)
        # 400 is OB v4.0's answer for an id that is not the caller's (U011).
        assert cross.status_code in (400, 401, 403), ("PSU of another consent",
                                                      cross.status_code)

    # Revoked consent: every call with the PSU token stops.
    assert mine.tpp.request("DELETE", f"{CONSENTS}/{mine.consent_id}",
                            scope="accounts").status_code == 204
    after = call(mine.tpp, method, fill(path, mine.consent_id), mine.psu_token)
    assert after.status_code == 401, ("revoked consent", after.status_code)
    refreshed = mine.tpp.refresh(mine.refresh_token)
    assert refreshed.status_code in (400, 401), ("refresh after revoke", refreshed.get_json())
