"""The resource check without the database: claims, the cached client, Redis revocation markers;
and what happens when Redis cannot take a marker, has lost them, or is down."""

from __future__ import annotations

import time

import pytest
import redis

from auth import registry, revocation, tokens
from auth.jose import peek
from tests.fixtures.auth import PSU_PASSWORD

BROKEN = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.05, socket_timeout=0.05)


@pytest.fixture
def alice(make_psu):
    return make_psu("alice")


@pytest.fixture
def counted(app, monkeypatch):
    """How often the check reads the token row and the client registration."""
    calls = {"record": 0, "client": 0}
    real_record, real_client = tokens.active_record, registry.get_client

    def record(*args, **kwargs):
        calls["record"] += 1
        return real_record(*args, **kwargs)

    def client(*args, **kwargs):
        calls["client"] += 1
        return real_client(*args, **kwargs)

    monkeypatch.setattr(tokens, "active_record", record)
    monkeypatch.setattr(registry, "get_client", client)
    with app.extensions["session_factory"]() as session:  # a fresh Redis: markers in place
        app.extensions["auth"].revocations.rebuild(session)
    return calls


@pytest.mark.parametrize("binding", ["dpop", "mtls"])
def test_check_reads_no_row_and_the_client_once(make_tpp, protected, counted, binding):
    tpp = make_tpp(binding=binding)
    token = tpp.token("accounts")
    counted.update(record=0, client=0)  # the token endpoint's own reads
    for _ in range(3):
        assert tpp.request("GET", protected, token=token).status_code == 200
    assert counted["record"] == 0
    assert counted["client"] == 1  # then from the worker's cache


def test_tokens_carry_grant_psu_and_consent(app, make_tpp, alice):
    tpp = make_tpp()
    app.extensions["auth.authorization_handlers"] = []
    granted = tpp.authorize("alice", PSU_PASSWORD, "accounts", {
        "authorization_details": '[{"type": "account_access_consent", "consent_id": "c-7"}]'})
    _, claims = peek(granted["access_token"])
    assert claims["consent_id"] == "c-7" and claims["psu_id"] and claims["gid"]
    assert claims["sub"] == claims["psu_id"]


def test_revocation_writes_the_marker(app, make_tpp, protected):
    tpp = make_tpp()
    token = tpp.token("accounts")
    jti = peek(token)[1]["jti"]
    assert tpp.revoke(token).status_code == 200
    kv = app.extensions["auth"].revocations.client
    ttl = kv.ttl(revocation.jti_key(jti))
    assert 0 < ttl <= app.config["ACCESS_TOKEN_LIFETIME"] + revocation.MARGIN_SECONDS + 1
    assert tpp.request("GET", protected, token=token).status_code == 401


def test_consent_marker_refuses_every_token_of_the_consent(app, make_tpp, alice, protected,
                                                          counted):
    from auth.service import revoke_consent_tokens

    tpp = make_tpp()
    app.extensions["auth.authorization_handlers"] = []
    granted = tpp.authorize("alice", PSU_PASSWORD, "accounts", {
        "authorization_details": '[{"type": "account_access_consent", "consent_id": "c-8"}]'})
    assert tpp.request("GET", protected, token=granted["access_token"]).status_code == 200
    with app.extensions["session_factory"]() as session, session.begin():
        revoke_consent_tokens(session, "c-8", None)
    counted.update(record=0, client=0)
    assert app.extensions["auth"].revocations.client.exists(revocation.consent_key("c-8"))
    assert tpp.request("GET", protected, token=granted["access_token"]).status_code == 401
    assert counted["record"] == 0  # refused by the marker, not the row


def test_lost_markers_are_rebuilt_from_the_database(app, make_tpp, protected, counted):
    tpp = make_tpp()
    revoked, live = tpp.token("accounts"), tpp.token("accounts")
    assert tpp.revoke(revoked).status_code == 200
    kv = app.extensions["auth"].revocations.client
    kv.flushdb()  # Redis restarted without persistence
    counted.update(record=0, client=0)
    assert tpp.request("GET", protected, token=revoked).status_code == 401
    assert counted["record"] == 1  # answered by the database while the markers were missing
    assert kv.exists(revocation.READY)
    assert kv.exists(revocation.jti_key(peek(revoked)[1]["jti"]))
    assert tpp.request("GET", protected, token=live).status_code == 200
    assert tpp.request("GET", protected, token=revoked).status_code == 401
    assert counted["record"] == 1  # back on the markers


def test_a_marker_redis_refuses_is_retried(app, make_tpp, protected):
    tpp = make_tpp(binding="mtls")
    token = tpp.token("accounts")
    markers = app.extensions["auth"].revocations
    good = markers.client
    markers.client = BROKEN
    assert tpp.revoke(token).status_code == 200  # the database revocation commits regardless
    jti = peek(token)[1]["jti"]
    assert not good.exists(revocation.jti_key(jti))
    markers.client = good
    stop = time.monotonic() + 5
    while not good.exists(revocation.jti_key(jti)) and time.monotonic() < stop:
        time.sleep(0.05)
    assert good.exists(revocation.jti_key(jti))
    assert tpp.request("GET", protected, token=token).status_code == 401


def test_redis_down_mtls_uses_the_row_dpop_fails_closed(app, make_tpp, protected):
    server = app.extensions["auth"]
    cert_tpp, dpop_tpp = make_tpp(binding="mtls"), make_tpp(name="DPoP TPP")
    live, revoked = cert_tpp.token("accounts"), cert_tpp.token("accounts")
    dpop_token = dpop_tpp.token("accounts")
    assert cert_tpp.revoke(revoked).status_code == 200
    good = server.redis
    server.redis = BROKEN
    try:
        assert cert_tpp.request("GET", protected, token=live).status_code == 200
        assert cert_tpp.request("GET", protected, token=revoked).status_code == 401
        refused = dpop_tpp.request("GET", protected, token=dpop_token)
        assert refused.status_code == 503 and refused.headers["Retry-After"]
    finally:
        server.redis = good
    assert dpop_tpp.request("GET", protected, token=dpop_token).status_code == 200


def test_replayed_proof_is_refused_in_the_same_round_trip(make_tpp, protected):
    tpp = make_tpp()
    token = tpp.token("accounts")
    headers = {"Authorization": f"DPoP {token}",
               **tpp.binding_headers("GET", protected, token)}
    assert tpp.client.get(protected, headers=headers).status_code == 200
    again = tpp.client.get(protected, headers=headers)
    assert again.status_code == 401 and again.get_json()["error"] == "invalid_dpop_proof"


def test_client_roles_are_cached_for_a_short_while(app, make_tpp, protected):
    from auth.models import TppClient

    server = app.extensions["auth"]
    tpp = make_tpp(roles=("AISP",))
    token = tpp.token("accounts")
    assert tpp.request("GET", protected, token=token).status_code == 200
    with app.extensions["session_factory"]() as session, session.begin():
        session.get(TppClient, tpp.client_id).name = "Renamed"
    server.client_view(tpp.client_id)
    with app.extensions["session_factory"]() as session, session.begin():
        session.get(TppClient, tpp.client_id).name = "Renamed again"
    assert server.client_view(tpp.client_id).name == "Renamed"  # within the TTL
    server.client_cache_seconds = 0
    server._clients.clear()
    assert server.client_view(tpp.client_id).name == "Renamed again"
