"""Through nginx with real TLS and real client certificates, two instances sharing PostgreSQL
and Redis (conftest.py): the flows of both kinds of TPP, every way of presenting a certificate
that must be refused, and state that one instance writes and the other honours."""

from __future__ import annotations

import socket
import ssl
import time
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from auth.mtls import encode_for_header
from tests.topology.clients import MtlsTpp, direct, dpop_tpp
from tests.topology.load import Load
from tests.topology.stack import REDIRECT

AIS = "/open-banking/v4.0/aisp"
PSU, PSU_PASSWORD = "alice", "open-banking-demo"
CHECK = {"SchemeName": "SortCodeAccountNumber", "AccountType": "Personal",
         "Identification": "04000412345678", "Name": "J Smith"}


def test_the_proxy_speaks_tls_1_3_and_forwards_the_certificate_it_was_shown(topology):
    http = topology.http(topology.pki.tpp)
    answer = http.get("/healthz")
    assert answer.status_code == 200
    assert answer.extensions["network_stream"].get_extra_info("ssl_object").version() == "TLSv1.3"


def _handshake(topology, version: ssl.TLSVersion, ciphers: str | None = None) -> str:
    """The cipher suite negotiated with the proxy by a client offering only `version` (and on
    TLS 1.2 only `ciphers`); raises ssl.SSLError when the proxy refuses them all."""
    context = ssl.create_default_context(cafile=str(topology.pki.ca.cert_file))
    context.minimum_version = context.maximum_version = version
    if ciphers:
        context.set_ciphers(ciphers)
    port = int(topology.issuer.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            return tls.cipher()[0]


def test_tls_1_2_only_with_the_fapi_cipher_suites(topology):
    assert _handshake(topology, ssl.TLSVersion.TLSv1_2) in (
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384")
    for refused in ("ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-ECDSA-AES128-SHA256",
                    "ECDHE-ECDSA-AES256-SHA"):
        ssl.create_default_context().set_ciphers(refused)  # the client can offer it
        with pytest.raises(ssl.SSLError):
            _handshake(topology, ssl.TLSVersion.TLSv1_2, refused)


def test_tls_client_auth_tpp_completes_the_code_flow(topology):
    tpp = MtlsTpp(topology.http(topology.pki.tpp), topology.mtls_client_id, REDIRECT)
    request_uri, verifier, state = tpp.push("accounts status")
    callback = tpp.sign_in_as(tpp.authorize_url(request_uri), request_uri, PSU, PSU_PASSWORD)
    tokens = tpp.exchange(callback, verifier, state)
    assert tokens["token_type"].lower() == "bearer"
    me = tpp.call("/tpp/client", tokens["access_token"])
    assert me.status_code == 200, me.text
    assert me.json()["client_id"] == topology.mtls_client_id
    # the token is bound to the certificate: the same token over a connection showing
    # another certificate is refused
    other = MtlsTpp(topology.http(topology.pki.self_signed), topology.mtls_client_id, REDIRECT)
    assert other.call("/tpp/client", tokens["access_token"]).status_code == 401


def test_dpop_tpp_completes_the_code_flow(topology):
    tpp = dpop_tpp(topology.http(), topology.demo["budgeting"])
    request_uri, verifier, state = tpp.push("accounts status")
    callback = tpp.sign_in_as(tpp.authorize_url(request_uri), request_uri, PSU, PSU_PASSWORD)
    tokens = tpp.exchange(callback, verifier, state)
    assert tokens["token_type"] == "DPoP"
    me = tpp.call("/tpp/client", tokens["access_token"])
    assert me.status_code == 200, me.text
    assert me.json()["client_id"] == topology.demo["budgeting"]["client_id"]


def test_self_signed_certificate_passes_the_proxy_and_is_checked_against_the_jwks(topology):
    tpp = MtlsTpp(topology.http(topology.pki.self_signed), topology.self_signed_client_id,
                  REDIRECT)
    issued = tpp.post("token_endpoint", {"grant_type": "client_credentials",
                                         "scope": "payee-checks", **tpp.assertion()})
    assert issued.status_code == 200, issued.text
    check = tpp.call("/cop/v1/name-verifications", issued.json()["access_token"], "POST",
                     json={"Data": CHECK})
    assert check.status_code == 200, check.text


def _client_credentials(http: httpx.Client, client_id: str, **kwargs) -> httpx.Response:
    return http.post("/token", data={"grant_type": "client_credentials", "scope": "accounts",
                                     "client_id": client_id}, **kwargs)


@pytest.mark.parametrize("shown", ["none", "expired", "other_ca", "self_signed"])
def test_certificates_that_do_not_authenticate_the_client_are_refused(topology, shown):
    http = topology.http(None if shown == "none" else getattr(topology.pki, shown))
    answer = _client_credentials(http, topology.mtls_client_id)
    # 401 invalid_client from the service; an expired certificate may already be answered
    # 400 by nginx. Either way no token.
    assert answer.status_code in (400, 401), answer.text
    assert "access_token" not in answer.text


@pytest.mark.parametrize("shown", [None, "self_signed"])
def test_a_forged_certificate_header_is_replaced_by_the_proxy(topology, shown):
    """The client copies a good certificate (public, after all) into the header itself."""
    http = topology.http(getattr(topology.pki, shown) if shown else None)
    forged = {"X-SSL-Client-Cert": encode_for_header(topology.pki.tpp.cert)}
    answer = _client_credentials(http, topology.mtls_client_id, headers=forged)
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "invalid_client"


def test_the_certificate_header_from_a_peer_that_is_not_the_proxy_is_refused(topology):
    instance = topology.instances[0]
    forged = {"X-SSL-Client-Cert": encode_for_header(topology.pki.tpp.cert)}
    answer = httpx.post(f"{instance.url}/token", headers=forged, data={
        "grant_type": "client_credentials", "scope": "accounts",
        "client_id": topology.mtls_client_id})
    assert answer.status_code == 400
    assert "TRUSTED_PROXIES" in answer.json()["error_description"]


def test_a_consent_written_through_one_instance_is_read_and_revoked_through_the_other(topology):
    a, b = (i.url for i in topology.instances)
    tpp = dpop_tpp(topology.http(), topology.demo["budgeting"])
    token = tpp.client_token("accounts")
    created = direct(tpp, a, f"{AIS}/account-access-consents", token, "POST", json={
        "Data": {"Permissions": ["ReadAccountsDetail", "ReadBalances"]}, "Risk": {}},
        headers={"x-idempotency-key": str(uuid.uuid4())})
    assert created.status_code == 201, created.text
    consent_id = created.json()["Data"]["ConsentId"]
    read = direct(tpp, b, f"{AIS}/account-access-consents/{consent_id}", token)
    assert read.status_code == 200, read.text
    assert read.json()["Data"]["ConsentId"] == consent_id

    revoked = tpp.http.post(f"{a}/revoke", data={"token": token, **tpp.assertion()})
    assert revoked.status_code == 200, revoked.text
    after = direct(tpp, b, f"{AIS}/account-access-consents/{consent_id}", token)
    assert after.status_code == 401, after.text


def test_rate_limits_count_across_both_instances(topology):
    """COP_RATE_LIMIT is 10/hour here: twelve checks alternating between the instances."""
    tpp = dpop_tpp(topology.http(), topology.demo["payments"])
    token = tpp.client_token("payee-checks")
    answers = []
    for n in range(12):
        instance = topology.instances[n % 2]
        answers.append((instance.name, direct(tpp, instance.url, "/cop/v1/name-verifications",
                                              token, "POST", json={"Data": CHECK}).status_code))
    assert [status for _, status in answers] == [200] * 10 + [429] * 2, answers
    assert {name for name, status in answers if status == 429} == {"A", "B"}


def test_a_bulk_job_whose_instance_is_killed_is_finished_by_the_other(topology):
    """A's worker claims the job and dies with it (SIGKILL, master and workers); B resumes it
    when polled after the lease (2 s here) and every payee is audited exactly once."""
    a, b = topology.instances
    tpp = dpop_tpp(topology.http(), topology.demo["payments"])
    token = tpp.client_token("payee-checks")
    items = [{**CHECK, "Id": f"item-{n}"} for n in range(6000)]
    engine = create_engine(topology.database_url)
    try:
        submitted = direct(tpp, a.url, "/cop/v1/name-verifications/bulk", token, "POST",
                           json={"Data": {"Items": items}})
        assert submitted.status_code == 202, submitted.text
        job_id = submitted.json()["Data"]["JobId"]

        def status() -> str:
            with engine.connect() as conn:
                return conn.execute(text("SELECT status FROM cop_bulk_jobs WHERE id = :id"),
                                    {"id": job_id}).scalar_one()

        deadline = time.monotonic() + 20
        while status() == "pending" and time.monotonic() < deadline:
            time.sleep(0.01)
        killed_while = status()
        a.kill()
        if killed_while != "running":
            pytest.skip(f"the job was {killed_while} before it could be interrupted")

        deadline, polled = time.monotonic() + 60, None
        while time.monotonic() < deadline:
            polled = direct(tpp, b.url, f"/cop/v1/bulk-jobs/{job_id}", token)
            assert polled.status_code == 200, polled.text
            if polled.json()["Data"]["Status"] in ("done", "failed"):
                break
            time.sleep(0.5)
        data = polled.json()["Data"]
        assert data["Status"] == "done", data
        assert sorted(r["Id"] for r in data["VerificationReports"]) == sorted(
            i["Id"] for i in items)
        with engine.connect() as conn:
            audited = conn.execute(text(
                "SELECT count(*) FROM cop_check_audit WHERE request_id = :id"),
                {"id": job_id}).scalar_one()
        assert audited == len(items)
    finally:
        engine.dispose()
        a.start()


def test_a_drained_rolling_restart_loses_no_request(topology):
    """docs/deploy.md's procedure under steady traffic: drain A, stop it gracefully, start it,
    undrain; then the same for B. Every request answered 2xx, every acknowledged consent kept.
    (The soak, test_soak.py, adds payee checks, Redis and PostgreSQL restarts and a backup.)"""
    load = Load(topology, threads=2, per_second=5.0,
                mix=("consent", "read", "status", "whoami"))
    load.start()
    try:
        time.sleep(2)
        for instance in topology.instances:
            topology.restart(instance)
        time.sleep(2)
    finally:
        load.stop()
    failed = [a for a in load.answers if not 200 <= a.status < 300]
    assert len(load.answers) > 50 and not failed, failed[:5]
    engine = create_engine(topology.database_url)
    try:
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT count(*) FROM consents WHERE id = ANY(:ids)"),
                                {"ids": list(load.consents)}).scalar_one()
    finally:
        engine.dispose()
    assert kept == len(load.consents) > 0
