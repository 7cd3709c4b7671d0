"""Message signing of UK Confirmation of Payee: a detached JWS in `x-jws-signature`.

Pay.UK's CoP standard has requester and responder sign each message the way the Open Banking
Read/Write Data API profile describes ("Message Signing"): a JWS in compact serialisation
whose payload part is left empty (RFC 7515 Appendix F, detached content), computed over the
HTTP body exactly as sent, with the private header parameters

- `http://openbanking.org.uk/iat`: when it was signed (seconds since the epoch, not in the
  future);
- `http://openbanking.org.uk/iss`: who signed: a TPP's identity, or the ASPSP's;
- `http://openbanking.org.uk/tan`: the trust anchor that publishes the signer's public key;

all three listed in `crit`, so a verifier that does not understand them must refuse.
`b64: false` (RFC 7797: the body goes into the signing input unencoded, and `b64` is itself
listed in `crit`) is what this service signs with, as the CoP profile has it; the encoded
form, which the OB profile switched to from v3.1.4, is accepted too when `b64` is absent.

A failed check is one of the OB `UK.OBIE.Signature.*` error codes. Pure: no Flask, no I/O;
the caller supplies the keys (the TPP's registered JWKS) and the clock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from joserfc import jwk
from joserfc.errors import JoseError
from joserfc.jws import JWSRegistry

from auth.jose import ALGORITHMS, key_fits_alg

IAT = "http://openbanking.org.uk/iat"
ISS = "http://openbanking.org.uk/iss"
TAN = "http://openbanking.org.uk/tan"
OB_CLAIMS = frozenset({IAT, ISS, TAN})
HEADER = "x-jws-signature"
# The OB profile names PS256; ES256 is accepted as the other algorithm the registry allows.
SIGNING_ALG = "PS256"
CLOCK_SKEW_SECONDS = 60
MAX_LENGTH = 16384

MISSING = "UK.OBIE.Signature.Missing"
MALFORMED = "UK.OBIE.Signature.Malformed"
MISSING_CLAIM = "UK.OBIE.Signature.MissingClaim"
INVALID_CLAIM = "UK.OBIE.Signature.InvalidClaim"
INVALID = "UK.OBIE.Signature.Invalid"

_REGISTRY = JWSRegistry(algorithms=list(ALGORITHMS))


class SignatureRefused(Exception):
    """Why a request's signature is not accepted: an OB error code and one line for the TPP."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Expectations:
    """What a valid request signature says: signed by `issuer`, whose key a trust anchor in
    `trust_anchors` publishes, within `max_age_seconds` of `now`."""

    issuer: str
    trust_anchors: frozenset[str]
    now: float
    max_age_seconds: int


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    if not text or "=" in text:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signing_input(protected: str, body: bytes, header: dict[str, Any]) -> bytes:
    """RFC 7515 §5.1 signing input; with `b64: false` (RFC 7797 §3) the body is not encoded."""
    payload = body if header.get("b64") is False else _b64url(body).encode("ascii")
    return protected.encode("ascii") + b"." + payload


def sign(body: bytes, key: jwk.RSAKey | jwk.ECKey, *, kid: str, issuer: str,
         trust_anchor: str, now: float) -> str:
    """A detached JWS of `body`, as this service sends it on every CoP answer."""
    alg = "ES256" if isinstance(key, jwk.ECKey) else SIGNING_ALG
    header = {"alg": alg, "kid": kid, "typ": "JOSE", "cty": "application/json", "b64": False,
              IAT: int(now), ISS: issuer, TAN: trust_anchor,
              "crit": ["b64", IAT, ISS, TAN]}
    protected = _b64url(json.dumps(header, separators=(",", ":")).encode("utf-8"))
    signed = signing_input(protected, body, header)
    return f"{protected}..{_RECENT.signature(signed, key, int(now), _REGISTRY.get_alg(alg))}"


class _RecentSignatures:
    """The signatures made within the current second, by key and digest of what they sign.

    A PS256 signature is an RSA private-key operation: the largest single cost of a payee
    check (0.5-0.6 ms of CPU, a fifth of the check). Most answers are one of a few bodies
    (`Matched: true`, `ANNM`, `AC01`, …), and the signing input holds the body and the header
    with its `iat` in seconds, so within one second the same input recurs. Its signature
    then is one already made over exactly those bytes with the same key: as valid, and as
    fresh (the same `iat`), as a new one. Entries live until the second changes; only a
    digest of the input is kept, never the body (which can carry a payee's name).
    """

    MAX_ENTRIES = 1024

    def __init__(self) -> None:
        self._second: int | None = None
        # (id of the key, digest) -> (the key itself, kept so that its id is not reused, and
        # the signature); keys are not hashable
        self._made: dict[tuple[int, bytes], tuple[Any, str]] = {}

    def signature(self, signed: bytes, key: Any, second: int, algorithm: Any) -> str:
        if second != self._second:
            self._made, self._second = {}, second  # a new dict: a racing thread keeps its own
        made = self._made
        entry = (id(key), hashlib.sha256(signed).digest())
        hit = made.get(entry)
        if hit is not None and hit[0] is key:
            return hit[1]
        value = _b64url(algorithm.sign(signed, key))
        if len(made) < self.MAX_ENTRIES:
            made[entry] = (key, value)
        return value


_RECENT = _RecentSignatures()


def _header(value: str) -> tuple[str, dict[str, Any], bytes]:
    if not isinstance(value, str) or len(value) > MAX_LENGTH or value.count(".") != 2:
        raise SignatureRefused(MALFORMED, "x-jws-signature must be a detached compact JWS: "
                                          "header..signature")
    protected, payload, signature = value.split(".")
    if payload:
        raise SignatureRefused(MALFORMED, "x-jws-signature must be detached: leave the "
                                          "payload part empty (header..signature)")
    try:
        header = json.loads(_b64url_decode(protected))
        raw_signature = _b64url_decode(signature)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise SignatureRefused(MALFORMED, "x-jws-signature parts are not base64url "
                                          "JSON and signature") from None
    if not isinstance(header, dict):
        raise SignatureRefused(MALFORMED, "the x-jws-signature header must be a JSON object")
    return protected, header, raw_signature


def _claims(header: dict[str, Any], expect: Expectations) -> None:
    if header.get("alg") not in ALGORITHMS:
        raise SignatureRefused(INVALID_CLAIM, f"alg must be {SIGNING_ALG} (or ES256)")
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise SignatureRefused(MISSING_CLAIM, "kid is required: the id of your signing key "
                                              "in your registered JWKS")
    for claim in (IAT, ISS, TAN):
        if claim not in header:
            raise SignatureRefused(MISSING_CLAIM, f"{claim} is required")
    crit = header.get("crit")
    wanted = OB_CLAIMS | ({"b64"} if "b64" in header else set())
    if (not isinstance(crit, list) or not all(isinstance(c, str) for c in crit)
            or len(crit) != len(set(crit)) or set(crit) != wanted):
        raise SignatureRefused(INVALID_CLAIM, "crit must list exactly the three "
                                              "http://openbanking.org.uk/ claims (and b64 "
                                              "when b64 is sent)")
    if "b64" in header and header["b64"] is not False:
        raise SignatureRefused(INVALID_CLAIM, "b64 may only be false")
    iat = header[IAT]
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise SignatureRefused(INVALID_CLAIM, f"{IAT} must be a number of seconds")
    if iat > expect.now + CLOCK_SKEW_SECONDS:
        raise SignatureRefused(INVALID_CLAIM, f"{IAT} is in the future")
    if iat < expect.now - expect.max_age_seconds:
        raise SignatureRefused(INVALID_CLAIM, f"{IAT} is more than "
                                              f"{expect.max_age_seconds} seconds old")
    if header[ISS] != expect.issuer:
        raise SignatureRefused(INVALID_CLAIM, f"{ISS} must be your client_id")
    if header[TAN] not in expect.trust_anchors:
        raise SignatureRefused(INVALID_CLAIM, f"{TAN} must be one of "
                                              f"{', '.join(sorted(expect.trust_anchors))}")


def verify(value: str | None, body: bytes, keys: jwk.KeySet, expect: Expectations
           ) -> dict[str, Any]:
    """Check a request's `x-jws-signature` over its raw body; return the JOSE header.

    Raises SignatureRefused with the OB code for the first thing wrong, in the order a
    verifier can tell: form, header claims, the key, the signature itself.
    """
    if not value:
        raise SignatureRefused(MISSING, "x-jws-signature is required for this client")
    protected, header, raw_signature = _header(value)
    _claims(header, expect)
    key = next((k for k in keys.keys if k.kid == header["kid"]), None)
    if key is None or not key_fits_alg(key, header["alg"]):
        raise SignatureRefused(INVALID, f"no registered {header['alg']} key has kid "
                                        f"{header['kid']!r}")
    try:
        ok = _REGISTRY.get_alg(header["alg"]).verify(
            signing_input(protected, body, header), raw_signature, key)
    except (JoseError, ValueError):
        ok = False
    if not ok:
        raise SignatureRefused(INVALID, "the signature does not verify over the body sent")
    return header
