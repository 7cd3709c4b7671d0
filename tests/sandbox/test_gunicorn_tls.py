"""The sandbox banks as the benchmarks serve them: their own gunicorn process with gunicorn's
TLS, a server certificate from the sandbox CA and client certificates asked for
(bench/aggregate_apps.py `sandbox_tls`). A client trusting that CA gets through, one that
does not is refused at the handshake, and a bank that wants mutual TLS sees the TPP's
transport certificate (gunicorn hands the app its TLS socket, not `SSL_CLIENT_CERT`) and
refuses a call without one."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from aggregation.connectors.tls import SandboxCA, client_context
from bench.aggregate_apps import sandbox_tls
from tests.consent.live import free_port

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = "/sandbox/rheinfeld/v1/accounts"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The bench's sandbox banks over HTTPS, Rheinfeld wanting mutual TLS."""
    folder = tmp_path_factory.mktemp("sandbox-ca")
    tls_env, ca_file = sandbox_tls(folder)
    port = free_port()
    env = {**os.environ, **tls_env, "PYTHONPATH": str(ROOT), "BENCH_LATENCY_MS": "0",
           "BENCH_SANDBOX_CLIENTS": json.dumps({}), "SANDBOX_BG_PROFILES": "rheinfeld=mtls",
           "LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "bench.transactions_apps:sandbox_app()", "-b",
         f"127.0.0.1:{port}", "-w", "1", "--threads", "4"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"https://127.0.0.1:{port}"
    try:
        with httpx.Client(verify=client_context(trust=[ca_file]), timeout=5) as client:
            for _ in range(600):  # the worker imports the service first: seconds when loaded
                try:
                    client.get(f"{base}/sandbox/northgate/.well-known/openid-configuration")
                    break
                except httpx.TransportError:
                    assert proc.poll() is None, "gunicorn exited"
                    time.sleep(0.1)
        yield base, ca_file, SandboxCA(folder)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_a_client_trusting_the_sandbox_ca_is_answered_over_https(served):
    base, ca_file, _ = served
    with httpx.Client(verify=client_context(trust=[ca_file]), timeout=5) as client:
        answers = [client.get(f"{base}/sandbox/northgate/.well-known/openid-configuration")
                   for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json()["issuer"].startswith("https://127.0.0.1:")


def test_a_client_without_the_sandbox_ca_is_refused_at_the_handshake(served):
    base, _, _ = served
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{base}/sandbox/northgate/.well-known/openid-configuration", timeout=5)


def test_a_bank_wanting_mutual_tls_sees_the_tpps_certificate(served):
    base, ca_file, ca = served
    headers = {"X-Request-ID": "5c2d8a8e-0000-4000-8000-000000000001"}
    with httpx.Client(verify=client_context(trust=[ca_file]), timeout=5) as anonymous:
        refused = anonymous.get(base + ACCOUNTS, headers=headers)
    assert refused.status_code == 401
    assert refused.json()["tppMessages"][0]["code"] == "CERTIFICATE_MISSING"
    qwac = ca.transport_identity("tpp", organisation="Budget Buddy Ltd",
                                 organization_identifier="PSDGB-FCA-123456")
    with httpx.Client(verify=client_context(trust=[ca_file], identity=qwac),
                      timeout=5) as tpp:
        answered = tpp.get(base + ACCOUNTS, headers=headers)
    codes = [m["code"] for m in answered.json().get("tppMessages", [])]
    assert "CERTIFICATE_MISSING" not in codes, answered.text  # on to the consent checks
