"""The authorisation server's signing keys: PEM files in SIGNING_KEYS_DIR, one per `kid`.

Several keys live side by side so they can rotate: tokens are signed with the newest key of the
configured algorithm, and every key stays in the JWKS (and keeps verifying) until its file is
removed. An empty directory gets one ES256 and one PS256 key on first start; a file lock keeps
several gunicorn workers from each generating their own.
"""

from __future__ import annotations

import fcntl
import functools
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from joserfc import jwk, jwt

from auth.jose import ALGORITHMS, alg_for_key


class SigningKeys:
    def __init__(self, directory: str | os.PathLike, preferred_alg: str = "ES256") -> None:
        if preferred_alg not in ALGORITHMS:
            raise ValueError(f"SIGNING_ALG must be one of {ALGORITHMS}")
        self.directory = Path(directory)
        self.preferred_alg = preferred_alg
        self._ensure()
        self.keys = self._load()
        if not self.keys:
            raise RuntimeError(f"no signing keys in {self.directory}")

    def _ensure(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(self.directory / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not any(self.directory.glob("*.pem")):
                generate_key(self.directory, "ES256")
                generate_key(self.directory, "PS256")

    def _load(self) -> dict[str, jwk.ECKey | jwk.RSAKey]:
        keys = {}
        # Newest first: the first key of the preferred alg signs.
        for path in sorted(self.directory.glob("*.pem"), key=lambda p: -p.stat().st_mtime):
            keys[path.stem] = _parse_key(str(path), path.stat().st_mtime_ns)
        return keys

    @property
    def signing_key(self):
        for key in self.keys.values():
            if alg_for_key(key) == self.preferred_alg:
                return key
        return next(iter(self.keys.values()))

    def sign(self, claims: dict, typ: str) -> str:
        key = self.signing_key
        alg = alg_for_key(key)
        header = {"alg": alg, "typ": typ, "kid": key.kid}
        return jwt.encode(header, claims, key, algorithms=[alg])

    def verification_key(self, kid: str | None):
        return self.keys.get(kid) if kid else None

    def public_jwks(self) -> dict:
        return {"keys": [
            {**key.as_dict(private=False), "kid": kid, "use": "sig", "alg": alg_for_key(key)}
            for kid, key in self.keys.items()
        ]}


@functools.lru_cache(maxsize=64)
def _parse_key(path: str, _mtime_ns: int) -> jwk.ECKey | jwk.RSAKey:
    """Parsed once per file version: RSA key validation is slow and every app start reads them."""
    pem = Path(path).read_bytes()
    private = load_pem_private_key(pem, None)
    kind = "EC" if isinstance(private, EllipticCurvePrivateKey) else "RSA"
    return jwk.import_key(pem, kind, parameters={"kid": Path(path).stem})


def generate_key(directory: Path, alg: str) -> Path:
    key = jwk.ECKey.generate_key("P-256") if alg == "ES256" else jwk.RSAKey.generate_key(2048)
    kid = f"{alg.lower()}-{secrets.token_hex(4)}"
    path = directory / f"{kid}.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key.as_pem(private=True))
    return path
