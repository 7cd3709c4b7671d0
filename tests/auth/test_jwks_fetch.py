"""Fetching a client's jwks_uri: no internal addresses, no redirects, capped, cached.

A real https server on loopback (port 18351) with its own CA plays the TPP's key server; a
resolver stands in for DNS so that names can resolve to any address.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from auth import registry
from auth.jwks_fetch import (
    MAX_CACHE_SECONDS,
    MIN_CACHE_SECONDS,
    JwksFetcher,
    JwksFetchError,
    cache_seconds,
    refused_address,
)
from core.app import create_app
from tests.fixtures.auth import ISSUER, new_key, sign

PORT = 18351
KEY = new_key()
JWKS = {"keys": [{**KEY.as_dict(private=False), "kid": "k1"}]}


def _cert(subject, issuer_name, key, signer, *, ca=False, sans=()):
    now = dt.datetime.now(dt.UTC)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer_name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(days=1))
               .not_valid_after(now + dt.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(sans)), critical=False)
    return builder.sign(signer, hashes.SHA256())


class Handler(BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 - http.server's name
        Handler.hits[self.path] = Handler.hits.get(self.path, 0) + 1
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", f"https://localhost:{PORT}/jwks")
            self.end_headers()
            return
        if self.path == "/slow":
            time.sleep(1.5)
        body = json.dumps(JWKS).encode()
        if self.path == "/big":
            body = b'{"keys": [], "pad": "' + b"x" * 100_000 + b'"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if self.path == "/big-unannounced":
            body = b'{"keys": [], "pad": "' + b"x" * 100_000 + b'"}'
        else:
            self.send_header("Content-Length", str(len(body)))
        if self.path.startswith("/cc"):
            self.send_header("Cache-Control", "max-age=120")
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def key_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Key Server CA")])
    ca = _cert(ca_name, ca_name, ca_key, ca_key, ca=True)
    cert = _cert(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]), ca_name,
                 key, ca_key, sans=[x509.DNSName("localhost"), x509.DNSName("keys.tpp.test"),
                                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))])
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(folder / "cert.pem", folder / "key.pem")
    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client_context = ssl.create_default_context(
        cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    yield client_context
    server.shutdown()
    server.server_close()


def resolver(mapping):
    def resolve(host, port, type=0):  # noqa: A002 - getaddrinfo's keyword
        address = mapping[host]
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]
    return resolve


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.mark.parametrize(("address", "why"), [
    ("127.0.0.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"), ("192.168.0.1", "private"), ("172.16.5.4", "private"),
    ("169.254.169.254", "metadata"), ("fd00:ec2::254", "metadata"),
    ("100.100.100.200", "metadata"), ("fe80::1", "link-local"), ("0.0.0.0", "address"),
    ("100.64.0.1", "public"), ("224.0.0.1", "multicast"), ("fc00::1", "private"),
])
def test_internal_addresses_are_refused(address, why):
    assert why in refused_address(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:4700::6810:85e5"])
def test_public_addresses_pass(address):
    assert refused_address(address) is None


@pytest.mark.parametrize(("uri", "message"), [
    ("http://keys.tpp.test/jwks", "https"), ("https://user:pw@keys.tpp.test/jwks", "credentials"),
    (f"https://127.0.0.1:{PORT}/jwks", "loopback"), ("https://[::1]/jwks", "loopback"),
    ("https://169.254.169.254/latest/meta-data", "metadata"), ("not a url", "https"),
])
def test_refused_before_any_lookup(uri, message):
    fetcher = JwksFetcher(resolve=lambda *a, **k: pytest.fail("no lookup expected"))
    with pytest.raises(JwksFetchError, match=message):
        fetcher.fetch(uri)


@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.7", "169.254.169.254", "::1"])
def test_name_resolving_to_an_internal_address_is_refused(address):
    fetcher = JwksFetcher(resolve=resolver({"keys.tpp.test": address}))
    with pytest.raises(JwksFetchError, match="resolves to"):
        fetcher.fetch("https://keys.tpp.test/jwks")


def test_one_internal_address_among_public_ones_is_refused():
    def resolve(host, port, type=0):  # noqa: A002
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
    with pytest.raises(JwksFetchError, match="loopback"):
        JwksFetcher(resolve=resolve).fetch("https://keys.tpp.test/jwks")


def test_real_localhost_is_refused_without_the_allow_list(key_server):
    with pytest.raises(JwksFetchError, match="loopback"):
        JwksFetcher(ssl_context=key_server).fetch(f"https://localhost:{PORT}/jwks")


def test_allow_listed_host_is_fetched(key_server):
    fetcher = JwksFetcher(allow_hosts=f"localhost:{PORT}", ssl_context=key_server)
    body, _ = fetcher.fetch(f"https://localhost:{PORT}/jwks")
    assert body == JWKS
    with pytest.raises(JwksFetchError, match="loopback"):  # another port is not allow-listed
        fetcher.fetch("https://localhost:18352/jwks")


def test_connection_goes_to_the_checked_address(key_server):
    """The name is resolved once, by the resolver we gave; the connection uses that answer
    (the system resolver does not know keys.tpp.test) and TLS still checks the name."""
    calls = []

    def resolve(host, port, type=0):  # noqa: A002
        calls.append(host)
        return resolver({"keys.tpp.test": "127.0.0.1"})(host, port, type)

    fetcher = JwksFetcher(allow_hosts="keys.tpp.test", ssl_context=key_server, resolve=resolve)
    body, _ = fetcher.fetch(f"https://keys.tpp.test:{PORT}/jwks")
    assert body == JWKS and calls == ["keys.tpp.test"]


def test_certificate_is_checked_against_the_name(key_server):
    fetcher = JwksFetcher(allow_hosts="other.tpp.test", ssl_context=key_server,
                          resolve=resolver({"other.tpp.test": "127.0.0.1"}))
    with pytest.raises(JwksFetchError, match="cannot be fetched"):
        fetcher.fetch(f"https://other.tpp.test:{PORT}/jwks")


def test_redirects_are_not_followed(key_server):
    fetcher = JwksFetcher(allow_hosts="localhost", ssl_context=key_server)
    with pytest.raises(JwksFetchError, match="redirect"):
        fetcher.fetch(f"https://localhost:{PORT}/redirect")


@pytest.mark.parametrize("path", ["/big", "/big-unannounced"])
def test_size_is_capped(key_server, path):
    fetcher = JwksFetcher(allow_hosts="localhost", ssl_context=key_server, max_bytes=64 * 1024)
    with pytest.raises(JwksFetchError, match="exceeds"):
        fetcher.fetch(f"https://localhost:{PORT}{path}")


def test_time_is_capped(key_server):
    fetcher = JwksFetcher(allow_hosts="localhost", ssl_context=key_server, timeout=0.3)
    started = time.monotonic()
    with pytest.raises(JwksFetchError):
        fetcher.fetch(f"https://localhost:{PORT}/slow")
    assert time.monotonic() - started < 1.2


@pytest.mark.parametrize(("header", "seconds"), [
    (None, 300), ("max-age=120", 120), ("public, max-age=600", 600), ("no-store", 60),
    ("max-age=0", MIN_CACHE_SECONDS), ("max-age=99999999", MAX_CACHE_SECONDS),
    ('max-age="90", must-revalidate', 90),
])
def test_cache_seconds(header, seconds):
    assert cache_seconds(header) == seconds


def test_keys_are_cached_per_cache_control(key_server):
    clock = Clock()
    fetcher = JwksFetcher(allow_hosts="localhost", ssl_context=key_server, clock=clock)
    uri = f"https://localhost:{PORT}/cc-{id(clock)}"
    path = uri.split(str(PORT))[1]
    assert fetcher.keys(uri, registry.validate_jwks)["keys"][0]["kid"] == "k1"
    clock.now += 119
    fetcher.keys(uri, registry.validate_jwks)
    assert Handler.hits[path] == 1
    clock.now += 2
    fetcher.keys(uri, registry.validate_jwks)
    assert Handler.hits[path] == 2


# -- through the token endpoint and registration ---------------------------------------------

def _client_with_jwks_uri(app, uri):
    with app.extensions["session_factory"]() as session, session.begin():
        client = registry.register_client(session, name="Uri TPP", roles=["COP"], jwks_uri=uri)
        return client.client_id


def _assertion(client_id):
    now = int(time.time())
    return sign(KEY, {"kid": "k1"}, {"iss": client_id, "sub": client_id, "aud": ISSUER,
                                     "iat": now, "exp": now + 60, "jti": f"j{time.time_ns()}"},
                "ES256")


def _token(app, client_id, make_tpp):
    helper = make_tpp(roles=("COP",))  # only for its DPoP key and proof
    return app.test_client().post("/token", data={
        "grant_type": "client_credentials", "client_id": client_id,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": _assertion(client_id)},
        headers={"DPoP": helper.dpop_proof("POST", "/token")})


def test_token_endpoint_refuses_a_loopback_jwks_uri(app, make_tpp, key_server):
    client_id = _client_with_jwks_uri(app, f"https://localhost:{PORT}/jwks")
    resp = _token(app, client_id, make_tpp)
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "invalid_client"
    assert "loopback" in resp.get_json()["error_description"]


def test_token_endpoint_with_an_allow_listed_jwks_uri(app, make_tpp, key_server):
    app.extensions["auth"].jwks_fetcher = JwksFetcher(allow_hosts=["localhost"],
                                                      ssl_context=key_server)
    client_id = _client_with_jwks_uri(app, f"https://localhost:{PORT}/jwks")
    resp = _token(app, client_id, make_tpp)
    assert resp.status_code == 200, resp.get_json()


def test_allow_list_setting(database_url, signing_keys_dir):
    app = create_app({"DATABASE_URL": database_url, "ISSUER": ISSUER, "TESTING": True,
                      "SIGNING_KEYS_DIR": signing_keys_dir,
                      "JWKS_FETCH_ALLOW_HOSTS": "localhost:8443, Keys.Test"})
    assert app.extensions["auth"].jwks_fetcher.allow_hosts == {"localhost:8443", "keys.test"}
    app.extensions["engine"].dispose()


def test_no_host_is_allow_listed_by_default(app):
    assert app.extensions["auth"].jwks_fetcher.allow_hosts == frozenset()


@pytest.mark.parametrize("uri", ["https://127.0.0.1/jwks", "https://169.254.169.254/jwks",
                                 "https://[::1]:8443/jwks", "http://keys.tpp.test/jwks"])
def test_registration_refuses_internal_or_plain_jwks_uri(app, uri):
    with app.extensions["session_factory"]() as session, session.begin():
        token = registry.issue_registration_token(session, ["COP"])
    resp = app.test_client().post("/register", json={
        "client_name": "x", "jwks_uri": uri, "redirect_uris": ["https://tpp.example/cb"]},
        headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid_client_metadata"
