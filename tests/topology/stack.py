"""The production topology on loopback: nginx terminating real TLS (deploy/nginx.conf, rendered
by deploy/render.py) in front of two gunicorn instances started as `make serve` starts them,
sharing one PostgreSQL and one Redis.

nginx reaches the instances from 127.0.0.2 (`proxy_bind`), the one address in their
TRUSTED_PROXIES, so a client on 127.0.0.1 talking to an instance directly is an untrusted peer,
as anyone reaching a host behind the proxy would be. Every instance shares one INSTANCE_DIR:
the signing keys, the bank-token and audit-hash keys that instances on several hosts must share.
"""

from __future__ import annotations

import base64
import json
import os
import pwd
import shutil
import signal
import ssl
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.serialization import Encoding
from joserfc import jwk

from deploy.render import render
from tests.consent.live import free_port
from tests.topology.pki import TPP_SUBJECT, Issued, Pki, make_pki

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STEERING = ("ISSUER", "BIND", "PORT", "DATABASE_URL", "REDIS_URL", "TEST_DATABASE_URL",
            "TEST_REDIS_URL", "DEMO_DIR", "SIGNING_KEYS_DIR", "TOKEN_ENCRYPTION_KEYS",
            "TRUSTED_PROXIES", "TLS_CLIENT_CA_BUNDLE", "CLIENT_CERT_HEADER", "INSTANCE_DIR",
            "WEB_CONCURRENCY", "GUNICORN_THREADS", "AUDIT_HASH_KEY")
PROXY_ADDRESS = "127.0.0.2"
REDIRECT = "https://tpp.example/callback"
BASE_SETTINGS = {"WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4", "LOG_LEVEL": "WARNING"}


def skip_unless_opted_in(variable: str = "RUN_TOPOLOGY_TESTS",
                         why: str = "CI sets it on the PostgreSQL + Redis run") -> None:
    if os.environ.get(variable) != "1":
        pytest.skip(f"starts nginx and two instances: set {variable}=1 ({why})")
    if not shutil.which("nginx"):
        pytest.skip("needs nginx (apt-get install nginx-light)")


def wait_for(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds} s")
        time.sleep(0.1)


def answers(url: str, **kwargs) -> bool:
    try:
        return httpx.get(url, timeout=2, **kwargs).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class Instance:
    """One gunicorn (master and workers in a session of their own, so SIGKILL takes them all)."""

    name: str
    port: int
    env: dict
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = Path(self.env["INSTANCE_DIR"]).parent / f"instance-{self.name}.log"
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "wsgi:app", "-c", "gunicorn.conf.py"], cwd=ROOT,
                env={**self.env, "BIND": f"127.0.0.1:{self.port}"}, start_new_session=True,
                stdout=out, stderr=out)
        wait_for(lambda: answers(f"{self.url}/healthz"), 60, f"instance {self.name} did not start")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
        """Stop the instance (SIGTERM: gunicorn's graceful shutdown) and wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: the host lost its power."""
        self.stop(signal.SIGKILL)


@dataclass
class Topology:
    issuer: str
    pki: Pki
    instances: list[Instance]
    env: dict
    database_url: str
    redis_url: str
    demo: dict = field(default_factory=dict)
    mtls_client_id: str = ""
    self_signed_client_id: str = ""
    nginx: subprocess.Popen | None = None
    nginx_prefix: Path | None = None
    port: int = 0
    clients: list[httpx.Client] = field(default_factory=list)

    def write_nginx_conf(self, drained: tuple[str, ...] = ()) -> Path:
        conf = self.nginx_prefix / "nginx.conf"
        conf.write_text(render(
            listen=f"127.0.0.1:{self.port}", server_name="127.0.0.1",
            cert=str(self.pki.server.cert_file), key=str(self.pki.server.key_file),
            upstreams=[f"127.0.0.1:{i.port}" for i in self.instances],
            prefix=str(self.nginx_prefix), proxy_bind=PROXY_ADDRESS,
            user=pwd.getpwuid(os.getuid()).pw_name, drained=drained))
        return conf

    def drain(self, *instances: Instance) -> None:
        """Mark `instances` down in nginx and reload it (the old nginx workers finish their
        requests and close their connections); then they can be stopped."""
        self.write_nginx_conf(tuple(f"127.0.0.1:{i.port}" for i in instances))
        self.nginx.send_signal(signal.SIGHUP)
        time.sleep(1.0)  # the new workers take over; the old ones close as they finish

    def restart(self, instance: Instance, sig: int = signal.SIGTERM) -> None:
        """The rolling-restart step of docs/deploy.md: drain, stop gracefully, start, undrain."""
        self.drain(instance)
        instance.stop(sig)
        instance.start()
        self.drain()

    def http(self, cert: Issued | None = None) -> httpx.Client:
        """A client through the proxy (trusting the test CA), presenting `cert` if given."""
        context = ssl.create_default_context(cafile=str(self.pki.ca.cert_file))
        if cert is not None:
            context.load_cert_chain(*cert.pair)
        client = httpx.Client(base_url=self.issuer, verify=context, timeout=30)
        self.clients.append(client)
        return client

    def flask(self, *args: str, env: dict | None = None) -> str:
        done = subprocess.run([str(BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT,
                              env={**self.env, **(env or {})}, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout


def _jwks_with(cert: Issued) -> dict:
    key = jwk.ECKey.import_key(cert.cert.public_key()).as_dict(private=False)
    der = cert.cert.public_bytes(Encoding.DER)
    return {"keys": [{**key, "x5c": [base64.b64encode(der).decode()]}]}


def _start_nginx(top: Topology, prefix: Path, port: int) -> subprocess.Popen:
    prefix.mkdir()
    top.nginx_prefix, top.port = prefix, port
    conf = top.write_nginx_conf()
    process = subprocess.Popen(["nginx", "-p", str(prefix), "-c", str(conf), "-e",
                                str(prefix / "error.log"), "-g", "daemon off;"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ca = ssl.create_default_context(cafile=str(top.pki.ca.cert_file))

    def up() -> bool:
        if process.poll() is not None:
            pytest.fail(f"nginx exited: {(prefix / 'error.log').read_text()}")
        return answers(f"{top.issuer}/healthz", verify=ca)

    wait_for(up, 20, "nginx did not answer")
    return process


@contextmanager
def running(root: Path, database_url: str, redis_url: str, settings: dict):
    """Seed the demo data and register the certificate TPPs in the (empty, migrated) database,
    start both instances and nginx; stop them all on the way out."""
    os.chmod(root, 0o755)
    pki = make_pki(root / "pki")
    port = free_port()
    issuer = f"https://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in STEERING}
    env.update(BASE_SETTINGS, **settings, DATABASE_URL=database_url, REDIS_URL=redis_url,
               ISSUER=issuer, INSTANCE_DIR=str(root / "instance"),
               TRUSTED_PROXIES=PROXY_ADDRESS, TLS_CLIENT_CA_BUNDLE=str(pki.ca.cert_file))
    jwks_file = root / "self-signed.jwks.json"
    jwks_file.write_text(json.dumps(_jwks_with(pki.self_signed)))
    instances = [Instance("A", free_port(), env), Instance("B", free_port(), env)]
    top = Topology(issuer, pki, instances, env, database_url, redis_url)
    try:
        top.flask("demo", "load")
        top.demo = json.loads((root / "instance" / "demo" / "clients.json").read_text())
        top.mtls_client_id = top.flask(
            "tpp", "register", "--name", "Topology mTLS TPP", "--roles", "AISP,COP",
            "--tls-subject", TPP_SUBJECT, "--auth-method", "tls_client_auth",
            "--redirect-uri", REDIRECT).split()[-1]
        top.self_signed_client_id = top.flask(
            "tpp", "register", "--name", "Topology self-signed TPP", "--roles", "COP",
            "--jwks", str(jwks_file), "--auth-method", "self_signed_tls_client_auth",
            "--redirect-uri", REDIRECT).split()[-1]
        for instance in instances:
            instance.start()
        top.nginx = _start_nginx(top, root / "nginx", port)
        yield top
    finally:
        for client in top.clients:
            client.close()
        if top.nginx is not None:
            top.nginx.terminate()
            top.nginx.wait(timeout=15)
        for instance in instances:
            instance.stop()
