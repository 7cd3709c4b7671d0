"""The JOSE rules every JWT here obeys: PS256 or ES256, nothing else (FAPI 2.0 §5.4).

joserfc refuses PS256 unless `algorithms=` names it, and would accept RS256 if asked; passing
`ALGORITHMS` everywhere makes the allow-list explicit in one place.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable

from joserfc import jwk, jwt
from joserfc.jws import JWSRegistry

ALGORITHMS = ("PS256", "ES256")
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


class MalformedJwt(ValueError):
    pass


def verify(token: str, key, alg: str) -> dict:
    """Verify a compact JWS signed with `alg` (one of ALGORITHMS) and return its claims.

    joserfc caps JOSE headers at 512 bytes; a DPoP proof carries its public key in the header,
    and an RSA-2048 `jwk` alone is ~400 bytes, so PS256 proofs need a larger cap.
    """
    if alg not in ALGORITHMS:
        raise MalformedJwt("unsupported alg")
    registry = JWSRegistry(algorithms=[alg])
    registry.max_header_length = 4096
    return jwt.decode(token, key, algorithms=[alg], registry=registry).claims


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sha256_b64url(value: str | bytes) -> str:
    return b64url(hashlib.sha256(value.encode() if isinstance(value, str) else value).digest())


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def peek(token: str) -> tuple[dict, dict]:
    """Header and claims of a compact JWS, unverified: to pick the key, never to trust."""
    if not isinstance(token, str) or token.count(".") != 2 or len(token) > 16384:
        raise MalformedJwt("not a compact JWS")
    head, body, _ = token.split(".")
    try:
        header = json.loads(_b64decode(head))
        claims = json.loads(_b64decode(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJwt("undecodable JWS") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise MalformedJwt("JWS header and payload must be JSON objects")
    return header, claims


def peek_signed(token, refuse: Callable[[str], Exception], *, malformed: str, bad_alg: str
                ) -> tuple[dict, dict, str]:
    """Header, unverified claims and alg of a JWS signed with one of ALGORITHMS, the gate
    before a key is chosen; else `refuse(malformed)` or `refuse(bad_alg)` is raised."""
    try:
        header, claims = peek(token)
    except MalformedJwt as exc:
        raise refuse(malformed) from exc
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise refuse(bad_alg)
    return header, claims, alg


def alg_for_key(key) -> str:
    return "ES256" if isinstance(key, jwk.ECKey) else "PS256"


def key_fits_alg(key, alg: str) -> bool:
    """ES256 needs a P-256 key; PS256 an RSA key of at least 2048 bits."""
    if alg == "ES256":
        return isinstance(key, jwk.ECKey) and key.curve_name == "P-256"
    if alg == "PS256":
        return isinstance(key, jwk.RSAKey) and key.raw_value.key_size >= 2048
    return False


def import_public_jwk(data) -> jwk.ECKey | jwk.RSAKey:
    """A public EC or RSA JWK; private members or other key types are refused."""
    if not isinstance(data, dict) or PRIVATE_MEMBERS & data.keys():
        raise MalformedJwt("jwk must be a public key")
    if data.get("kty") not in ("EC", "RSA"):
        raise MalformedJwt("jwk must be an EC or RSA key")
    try:
        return jwk.import_key(data)
    except Exception as exc:  # noqa: BLE001 - joserfc raises many types for bad keys
        raise MalformedJwt("jwk does not parse") from exc
