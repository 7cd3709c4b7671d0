"""Which peers may hand us a client certificate: the TLS-terminating proxies (TRUSTED_PROXIES).

The proxy checks the TLS handshake and forwards the client's certificate in CLIENT_CERT_HEADER;
the header is only as trustworthy as the peer that sent it. Anyone who can reach the service
directly could otherwise put any PEM in it and authenticate as, or hold tokens bound to, any
certificate. So a request carrying the header from a peer outside TRUSTED_PROXIES is refused
with a clear error (a misrouted proxy shows at once instead of mTLS failing obscurely), and
nothing downstream reads the header unless the peer is trusted.

The value is a comma-separated list of addresses or CIDR blocks, or `none`. Unset, it is the
loopback addresses when the issuer itself is on loopback (the embedded `make run` set-up and
the tests, where the caller and any proxy are this machine) and nobody otherwise, so that a
deployment with a public issuer accepts certificates only after the operator names its proxies.
"""

from __future__ import annotations

import functools
import ipaddress
from urllib.parse import urlsplit

from flask import request

from auth.errors import OAuthError
from core.config import SettingError
from core.errors import Problem

LOOPBACK = ("127.0.0.0/8", "::1/128")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class TrustedProxiesError(SettingError):
    """TRUSTED_PROXIES is malformed: one line for the operator, as every bad setting gets."""

    def __init__(self, message: str) -> None:
        ValueError.__init__(self, message)
        self.name = "TRUSTED_PROXIES"


def parse_trusted_proxies(value: str, issuer: str) -> tuple[Network, ...]:
    value = (value or "").strip()
    if not value:
        return tuple(ipaddress.ip_network(n) for n in LOOPBACK) if _loopback(issuer) else ()
    if value.lower() == "none":
        return ()
    networks = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise TrustedProxiesError(
                f"TRUSTED_PROXIES: {item!r} is not an IP address or CIDR block; give a "
                "comma-separated list such as 10.0.0.5,10.1.0.0/16 (or none)") from exc
    return tuple(networks)


def _loopback(issuer: str) -> bool:
    host = urlsplit(issuer).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class TrustedProxies:
    def __init__(self, networks: tuple[Network, ...]) -> None:
        self.networks = networks
        self.trusts = functools.lru_cache(maxsize=1024)(self._trusts)

    def _trusts(self, address: str | None) -> bool:
        if not address or not self.networks:
            return False
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.networks)

    def refusal(self, header: str, address: str | None) -> str:
        return (f"the {header} header is accepted only from the TLS-terminating proxies in "
                f"TRUSTED_PROXIES; this request came from {address or 'an unknown address'}. "
                "Connect through the proxy, or add its address to TRUSTED_PROXIES")


# The endpoints that answer OAuth error JSON (RFC 6749 §5.2, RFC 7591, RFC 9126).
OAUTH_PATHS = frozenset(("/par", "/token", "/introspect", "/revoke", "/register"))


def guard_certificate_header(app, proxies: TrustedProxies, header: str) -> None:
    """Refuse a request carrying `header` from an untrusted peer, before any view reads it:
    OAuth error JSON at the OAuth endpoints, problem+json (or the API family's dialect)
    elsewhere."""

    @app.before_request
    def _certificate_header_from_a_trusted_proxy():
        if header not in request.headers or proxies.trusts(request.remote_addr):
            return None
        reason = proxies.refusal(header, request.remote_addr)
        if request.path in OAUTH_PATHS:
            raise OAuthError("invalid_request", reason)
        raise Problem(reason, slug="bad-request")
