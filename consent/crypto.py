"""Bank tokens at rest: AES-256-GCM with a key id stored beside each ciphertext.

`TOKEN_ENCRYPTION_KEYS` is `kid:base64key[,kid:base64key…]`. The first key encrypts; every key
decrypts, so a key is rotated by putting the new one first and keeping the old one until
`rewrap` has re-encrypted what it protects. The associated data binds a ciphertext to its row
and field, so a token copied into another consent's record does not decrypt.

The embedded default may run with no key configured: a key is then generated into `instance/`
once (mode 0600) with a warning, because losing it loses every stored bank token.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.logging import get_logger

log = get_logger("consent.crypto")

NONCE_BYTES = 12
GENERATED_KEY_FILE = "token-encryption.key"


class KeyConfigurationError(ValueError):
    """TOKEN_ENCRYPTION_KEYS is malformed; raised at start-up, never with key material."""


class DecryptionError(Exception):
    """A ciphertext failed authentication or names a key we no longer hold."""


@dataclass(frozen=True)
class Sealed:
    key_id: str
    ciphertext: str


def _b64decode(value: str) -> bytes:
    padded = value + "=" * (-len(value) % 4)
    return base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))


def parse_keys(spec: str) -> tuple[str, dict[str, bytes]]:
    """Parse `kid:base64key,...` into (primary kid, {kid: key})."""
    keys: dict[str, bytes] = {}
    primary = ""
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        kid, sep, b64 = item.partition(":")
        if not sep or not kid:
            raise KeyConfigurationError("each key must be written kid:base64key")
        try:
            key = _b64decode(b64.strip())
        except (binascii.Error, ValueError) as exc:
            raise KeyConfigurationError(f"key {kid!r} is not base64") from exc
        if len(key) not in (16, 24, 32):
            raise KeyConfigurationError(f"key {kid!r} must be 16, 24 or 32 bytes")
        if kid in keys:
            raise KeyConfigurationError(f"key id {kid!r} appears twice")
        keys[kid] = key
        primary = primary or kid
    if not keys:
        raise KeyConfigurationError("no keys given")
    return primary, keys


@dataclass
class TokenCipher:
    primary: str
    keys: dict[str, bytes] = field(repr=False)
    _aeads: dict[str, AESGCM] = field(default_factory=dict, init=False, repr=False,
                                      compare=False)

    def _aead(self, key_id: str) -> AESGCM | None:
        """One cipher object per key (made once: a stored history opens thousands a read)."""
        aead = self._aeads.get(key_id)
        if aead is None and key_id in self.keys:
            aead = self._aeads[key_id] = AESGCM(self.keys[key_id])
        return aead

    def seal(self, plaintext: str, context: str) -> Sealed:
        return self.seal_many([(plaintext, context)])[0]

    def seal_many(self, items: list[tuple[str, str]]) -> list[Sealed]:
        """`seal` of each (plaintext, context), each under its own random nonce (drawn for
        the batch at once)."""
        aead = self._aead(self.primary)
        nonces = os.urandom(NONCE_BYTES * len(items))
        sealed = []
        for i, (plaintext, context) in enumerate(items):
            nonce = nonces[i * NONCE_BYTES:(i + 1) * NONCE_BYTES]
            ct = aead.encrypt(nonce, plaintext.encode(), context.encode())
            sealed.append(Sealed(self.primary, base64.urlsafe_b64encode(nonce + ct).decode()))
        return sealed

    def open(self, sealed: Sealed, context: str) -> str:
        aead = self._aead(sealed.key_id)
        if aead is None:
            raise DecryptionError(f"no key {sealed.key_id!r} to decrypt with")
        try:
            raw = _b64decode(sealed.ciphertext)
            plain = aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except Exception as exc:  # InvalidTag, bad base64, short input: all one failure
            raise DecryptionError("ciphertext does not authenticate") from exc
        return plain.decode()

    def rewrap(self, sealed: Sealed, context: str) -> Sealed:
        """Re-encrypt under the primary key (after a rotation)."""
        if sealed.key_id == self.primary:
            return sealed
        return self.seal(self.open(sealed, context), context)


def generate_key_spec(kid: str | None = None) -> str:
    kid = kid or f"k{secrets.token_hex(4)}"
    return f"{kid}:{base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


def load_cipher(spec: str, instance_dir: Path | str) -> TokenCipher:
    """The configured keys; with none configured, the instance key (generated on first use)."""
    if spec.strip():
        return TokenCipher(*parse_keys(spec))
    path = Path(instance_dir) / GENERATED_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another worker won the race; use its key
            return TokenCipher(*parse_keys(path.read_text().strip()))
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_key_spec("local1") + "\n")
        log.warning("token_key_generated", detail="TOKEN_ENCRYPTION_KEYS is unset; generated a "
                    "key in the instance folder. Configure TOKEN_ENCRYPTION_KEYS in production.")
    return TokenCipher(*parse_keys(path.read_text().strip()))
