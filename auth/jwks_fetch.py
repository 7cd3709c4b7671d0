"""Fetching a client's registered `jwks_uri` without becoming a proxy into our own network.

A TPP chooses the URL and the server fetches it when the TPP authenticates, so a careless fetch
lets anyone holding a registration token make the server call its own loopback ports, the
cloud metadata service or the private network (RFC 9700 §4.17, OWASP SSRF). So the fetch:
- requires https and a host name or a public address (no credentials in the URL);
- resolves the name once, refuses it if *any* address is loopback, link-local, private,
  shared, multicast, reserved or a known metadata address, and connects to the address it
  checked (pinned), so a second DNS answer cannot swap in an internal one (DNS rebinding);
  the TLS certificate is still verified against the host name;
- follows no redirect (a TPP registers the final URL);
- caps the answer at `max_bytes` and the whole exchange at `timeout` seconds;
- caches the keys for the answer's `Cache-Control: max-age`, clamped to [`MIN_CACHE_SECONDS`,
  `MAX_CACHE_SECONDS`]: the floor keeps a client from making us fetch on every assertion, the
  ceiling lets a rotated key show within a day.
An operator allow-lists hosts (`JWKS_FETCH_ALLOW_HOSTS`, `host` or `host:port`) for test
set-ups whose key server runs on loopback or a private address; https is still required.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

MAX_BYTES = 64 * 1024
TIMEOUT_SECONDS = 3.0
DEFAULT_CACHE_SECONDS = 300
MIN_CACHE_SECONDS = 60
MAX_CACHE_SECONDS = 86400
MAX_ENTRIES = 10_000
# Cloud instance-metadata services that sit outside the special-purpose ranges below.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254", "192.0.0.192"))
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)\"?\s*(?:,|$)", re.I)


class JwksFetchError(Exception):
    """Why the keys could not be fetched; safe to show the client and the operator."""


def refused_address(address: str) -> str | None:
    """Why the server must not connect to `address`, or None if it is a public address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES:
        return "a cloud metadata address"
    for kind in ("loopback", "link_local", "private", "multicast", "reserved", "unspecified"):
        if getattr(ip, f"is_{kind}"):
            return f"a {kind.replace('_', '-')} address"
    if not ip.is_global:
        return "not a public address"
    return None


def cache_seconds(cache_control: str | None) -> int:
    """How long to keep keys fetched with this `Cache-Control` header."""
    if not cache_control:
        return DEFAULT_CACHE_SECONDS
    match = _MAX_AGE.search(cache_control)
    if match is None:
        lowered = cache_control.lower()
        seconds = 0 if ("no-store" in lowered or "no-cache" in lowered) else (
            DEFAULT_CACHE_SECONDS)
    else:
        seconds = int(match.group(1))
    return max(MIN_CACHE_SECONDS, min(MAX_CACHE_SECONDS, seconds))


def parse_allow_hosts(value: str | Iterable[str]) -> frozenset[str]:
    items = value.split(",") if isinstance(value, str) else value
    return frozenset(item.strip().lower() for item in items if item.strip())


class _PinnedHttps(http.client.HTTPSConnection):
    """HTTPS to a fixed, already checked address; SNI and certificate checks use the name."""

    def __init__(self, host: str, address: str, port: int, *, context, timeout) -> None:
        super().__init__(host, port, context=context, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class JwksFetcher:
    def __init__(self, *, allow_hosts: Iterable[str] = (), timeout: float = TIMEOUT_SECONDS,
                 max_bytes: int = MAX_BYTES, ssl_context: ssl.SSLContext | None = None,
                 resolve: Callable = socket.getaddrinfo,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.allow_hosts = parse_allow_hosts(allow_hosts)
        self.timeout, self.max_bytes = timeout, max_bytes
        self.ssl_context = ssl_context or ssl.create_default_context()
        self.resolve, self.clock = resolve, clock
        self._cache: dict[str, tuple[float, dict]] = {}
        self._lock = threading.Lock()

    def keys(self, uri: str, validate: Callable[[object], dict]) -> dict:
        """The JWK Set at `uri`, `validate`d, from the cache while its lifetime lasts."""
        now = self.clock()
        hit = self._cache.get(uri)
        if hit is not None and hit[0] > now:
            return hit[1]
        body, cache_control = self.fetch(uri)
        jwks = validate(body)
        with self._lock:
            if len(self._cache) >= MAX_ENTRIES:
                self._cache.clear()
            self._cache[uri] = (now + cache_seconds(cache_control), jwks)
        return jwks

    def check_url(self, uri: str) -> tuple[str, int, str]:
        """(host, port, path) of an acceptable jwks_uri, before any DNS lookup."""
        try:
            parts = urlsplit(uri)
            port = parts.port or 443
        except ValueError as exc:
            raise JwksFetchError("jwks_uri is not a URL") from exc
        if parts.scheme != "https" or not parts.hostname:
            raise JwksFetchError("jwks_uri must be an https URL")
        if parts.username or parts.password:
            raise JwksFetchError("jwks_uri must not carry credentials")
        host = parts.hostname.lower()
        if not self.allowed(host, port):
            try:
                why = refused_address(host)
            except ValueError:
                why = None  # a name: checked once resolved
            if why:
                raise JwksFetchError(f"jwks_uri host {host} is {why}")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return host, port, path

    def allowed(self, host: str, port: int) -> bool:
        return host in self.allow_hosts or f"{host}:{port}" in self.allow_hosts

    def _address(self, host: str, port: int) -> str:
        try:
            infos = self.resolve(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise JwksFetchError(f"jwks_uri host {host} does not resolve") from exc
        addresses = [info[4][0] for info in infos]
        if not addresses:
            raise JwksFetchError(f"jwks_uri host {host} does not resolve")
        if not self.allowed(host, port):
            for address in addresses:
                why = refused_address(address)
                if why:
                    raise JwksFetchError(f"jwks_uri host {host} resolves to {why}")
        return addresses[0]

    def fetch(self, uri: str) -> tuple[object, str | None]:
        """(parsed JSON, Cache-Control) from one pinned, capped https GET."""
        host, port, path = self.check_url(uri)
        address = self._address(host, port)
        deadline = self.clock() + self.timeout
        conn = _PinnedHttps(host, address, port, context=self.ssl_context, timeout=self.timeout)
        try:
            conn.request("GET", path, headers={"Accept": "application/jwk-set+json, "
                                                         "application/json"})
            response = conn.getresponse()
            if 300 <= response.status < 400:
                raise JwksFetchError("jwks_uri answered with a redirect; register the final URL")
            if response.status != 200:
                raise JwksFetchError(f"jwks_uri answered HTTP {response.status}")
            length = response.getheader("Content-Length")
            if length and length.isdigit() and int(length) > self.max_bytes:
                raise JwksFetchError(f"jwks_uri answer exceeds {self.max_bytes} bytes")
            body = b""
            while chunk := response.read(min(16384, self.max_bytes + 1 - len(body))):
                body += chunk
                if len(body) > self.max_bytes:
                    raise JwksFetchError(f"jwks_uri answer exceeds {self.max_bytes} bytes")
                if self.clock() > deadline:
                    raise JwksFetchError(f"jwks_uri took longer than {self.timeout} s")
            cache_control = response.getheader("Cache-Control")
        except (OSError, http.client.HTTPException) as exc:
            raise JwksFetchError(f"jwks_uri cannot be fetched: {type(exc).__name__}") from exc
        finally:
            conn.close()
        try:
            return json.loads(body), cache_control
        except ValueError as exc:
            raise JwksFetchError("jwks_uri did not answer JSON") from exc
