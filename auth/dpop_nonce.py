"""DPoP server nonces (RFC 9449 §8 at the authorisation server, §9 at resource servers).

A nonce limits how long a DPoP proof made in advance stays usable: a proof must carry the
`nonce` the server handed out, and nonces change every window. They are stateless: the nonce
of window `i` is HMAC-SHA256(secret, i), so every worker and every host sharing the secret
issues and accepts the same values without a round trip. The current window's nonce and the
previous one are accepted (a client that just learnt a nonce is never refused at a boundary),
and the next one too, so hosts whose clocks differ by a second agree.

`DPOP_NONCE` chooses where nonces are required:
- `off`: never;
- `token` (default): at the authorisation server's endpoints that take DPoP proofs, `/token`
  and `/par`. Resource calls, the payee-check hot path among them, are untouched;
- `all`: also at every resource endpoint, which then answers each DPoP call with the current
  nonce in `DPoP-Nonce`.

The secret is `DPOP_NONCE_SECRET` or, when empty, derived from the server's signing keys, which
every host of a deployment already shares.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field

from auth.jose import MalformedJwt, b64url, peek

MODES = ("off", "token", "all")


def parse_mode(value: str) -> str:
    mode = value.strip().lower()
    if mode not in MODES:
        raise ValueError(f"DPOP_NONCE must be one of {', '.join(MODES)} (got {value!r})")
    return mode


class NonceRequired(Exception):
    """The proof carries no nonce or a stale one; the answer must carry `nonce`."""

    def __init__(self, nonce: str, description: str) -> None:
        super().__init__(description)
        self.nonce = nonce
        self.description = description


@dataclass
class DpopNonces:
    """Issues and checks the nonces of one app."""

    secret: bytes
    mode: str = "token"
    window: int = 300
    _cache: dict[int, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.mode = parse_mode(self.mode)
        if not 10 <= int(self.window) <= 86400:
            raise ValueError("DPOP_NONCE_WINDOW must be between 10 and 86400 seconds")
        self.window = int(self.window)

    @property
    def at_token_endpoint(self) -> bool:
        return self.mode != "off"

    @property
    def at_resources(self) -> bool:
        return self.mode == "all"

    def _for_window(self, index: int) -> str:
        nonce = self._cache.get(index)
        if nonce is None:
            digest = hmac.new(self.secret, b"dpop-nonce:%d" % index, hashlib.sha256).digest()
            nonce = b64url(digest[:24])
            if len(self._cache) > 8:
                self._cache.clear()
            self._cache[index] = nonce
        return nonce

    def current(self, now: float | None = None) -> str:
        return self._for_window(int((time.time() if now is None else now) // self.window))

    def accepted(self, nonce, now: float | None = None) -> bool:
        if not isinstance(nonce, str) or not nonce:
            return False
        index = int((time.time() if now is None else now) // self.window)
        given = nonce.encode("utf-8", "replace")  # compare_digest takes ASCII str or bytes
        return any(hmac.compare_digest(given, self._for_window(i).encode())
                   for i in (index, index - 1, index + 1))

    def check(self, proof: str | None, now: float | None = None) -> None:
        """Raise NonceRequired unless the proof's `nonce` is accepted. Only the claim is read:
        the caller verifies the proof itself (signature, htm, htu, jti) as always, and a proof
        that does not parse is left to that check."""
        try:
            _, claims = peek(proof)
        except MalformedJwt:
            return
        nonce = claims.get("nonce")
        if self.accepted(nonce, now):
            return
        description = ("the DPoP proof must carry the server's nonce" if nonce is None
                       else "the DPoP proof's nonce is stale or unknown")
        raise NonceRequired(self.current(now), description)


def derive_secret(configured: str, signing_keys) -> bytes:
    """The configured secret, or one derived from the private signing keys (all hosts of a
    deployment share them), so nonces agree across hosts without another setting."""
    if configured:
        return configured.encode()
    material = b"".join(signing_keys.keys[kid].as_pem(private=True)
                        for kid in sorted(signing_keys.keys))
    return hmac.new(b"dpop-nonce-secret", material, hashlib.sha256).digest()
