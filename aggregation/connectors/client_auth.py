"""How we authenticate to a bank's token endpoint, and PKCE.

- `client_secret_basic` (RFC 6749 §2.3.1)
- `private_key_jwt` (RFC 7523): a short-lived assertion signed ES256 or PS256 (FAPI: never RS256)
- `tls_client_auth` (RFC 8705): the client certificate in the TLS handshake; only client_id sent
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass, field
from typing import Protocol

from joserfc import jwt
from joserfc.jwk import ECKey, RSAKey

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SIGNING_ALGS = ("ES256", "PS256")


class ClientAuth(Protocol):
    client_id: str

    def apply(self, form: dict[str, str], token_url: str) -> dict[str, str]:
        """Add credentials to the token request form; return extra headers."""
        ...


@dataclass(frozen=True)
class SecretBasic:
    client_id: str
    secret: str = field(repr=False)

    def apply(self, form: dict[str, str], token_url: str) -> dict[str, str]:
        raw = f"{self.client_id}:{self.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@dataclass(frozen=True)
class PrivateKeyJwt:
    client_id: str
    key: ECKey | RSAKey = field(repr=False)
    alg: str = "ES256"
    audience: str | None = None  # default: the token endpoint URL
    lifetime: int = 60

    def __post_init__(self) -> None:
        if self.alg not in SIGNING_ALGS:
            raise ValueError(f"private_key_jwt signs with {SIGNING_ALGS}, not {self.alg}")

    def assertion(self, token_url: str) -> str:
        now = int(time.time())
        claims = {"iss": self.client_id, "sub": self.client_id,
                  "aud": self.audience or token_url, "jti": str(uuid.uuid4()),
                  "iat": now, "exp": now + self.lifetime}
        header = {"alg": self.alg, "typ": "JWT"}
        if self.key.kid:
            header["kid"] = self.key.kid
        return jwt.encode(header, claims, self.key, algorithms=[self.alg])

    def apply(self, form: dict[str, str], token_url: str) -> dict[str, str]:
        form.update(client_id=self.client_id, client_assertion_type=ASSERTION_TYPE,
                    client_assertion=self.assertion(token_url))
        return {}


@dataclass(frozen=True)
class TlsClientAuth:
    client_id: str

    def apply(self, form: dict[str, str], token_url: str) -> dict[str, str]:
        form["client_id"] = self.client_id
        return {}


def load_signing_key(pem: str | bytes, alg: str) -> ECKey | RSAKey:
    key_type = ECKey if alg == "ES256" else RSAKey
    key = key_type.import_key(pem)
    if not key.kid:
        key.ensure_kid()
    return key


@dataclass(frozen=True)
class Pkce:
    verifier: str = field(repr=False)

    @classmethod
    def new(cls) -> Pkce:
        return cls(secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        return s256(self.verifier)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
