"""The UK Open Banking security profile (FAPI 1.0 Advanced with the OB specifics), client side.

- `BankMetadata`: the bank's discovery document and JWKS, fetched once and cached; a signing key
  id we do not know makes one JWKS refetch (at most one per `jwks_min_interval` seconds), so a
  bank rotating its keys is followed without a restart.
- `request_object`: the signed authorisation request (PS256) carrying `openbanking_intent_id`
  as an essential `id_token` and `userinfo` claim, `nonce`, `state` and PKCE.
- `check_answer`: the bank's authorisation answer, either hybrid (`code id_token`: the ID token's
  signature against the bank's JWKS, `iss`, `aud`, `exp`, `nonce`, `c_hash`, `s_hash` and the
  intent id) or JARM (`response`: a signed JWT with `iss`, `aud`, `exp` and the answer inside).
  Every failed check is a `SecurityProfileViolation` whose `cause` names it.
"""

from __future__ import annotations

import base64
import hashlib
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, JWKRegistry, RSAKey

from aggregation.connectors.errors import SecurityProfileViolation
from aggregation.connectors.transport import Transport

ALGS = ("PS256", "ES256")  # FAPI 1.0 Advanced 8.6: never RS256
LEEWAY = 30  # seconds of clock difference tolerated on exp / iat
REQUEST_LIFETIME = 300  # seconds a request object lives (FAPI: exp - nbf at most 60 minutes)
ACR_VALUES = ["urn:openbanking:psd2:sca", "urn:openbanking:psd2:ca"]


@dataclass(frozen=True)
class RequestSigner:
    """Our key for request objects (the OB signing certificate's key), PS256 by default."""

    client_id: str
    key: RSAKey | ECKey = field(repr=False)
    alg: str = "PS256"


@dataclass(frozen=True)
class AuthorisationAnswer:
    """What the bank's answer says once checked: a `code`, or the `error` it reported."""

    code: str | None
    error: str | None = None


@dataclass(eq=False)
class BankMetadata:
    bank_id: str
    transport: Transport
    discovery_url: str
    _: KW_ONLY
    ttl: float = 3600.0
    jwks_min_interval: float = 30.0
    clock: Callable[[], float] = time.monotonic
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _document: dict[str, Any] | None = field(default=None, init=False, repr=False)
    _document_at: float = field(default=0.0, init=False, repr=False)
    _keys: dict[str, dict] = field(default_factory=dict, init=False, repr=False)
    _keys_at: float | None = field(default=None, init=False, repr=False)

    def document(self) -> dict[str, Any]:
        with self._lock:
            if self._document is None or self.clock() - self._document_at > self.ttl:
                document = self._get(self.discovery_url)
                for name in ("issuer", "authorization_endpoint", "jwks_uri"):
                    if not isinstance(document.get(name), str):
                        raise SecurityProfileViolation(self.bank_id, "discovery_incomplete",
                                                       f"discovery lacks {name}")
                self._document, self._document_at = document, self.clock()
            return self._document

    def supports(self, name: str, value: str) -> bool:
        values = self.document().get(name)
        return isinstance(values, list) and value in values

    def key(self, kid: str | None) -> dict:
        """The bank's public signing key `kid` (the only one when the token names none)."""
        jwks_uri = self.document()["jwks_uri"]
        with self._lock:
            found = self._find(kid)
            fetched_long_ago = self._keys_at is None or \
                self.clock() - self._keys_at >= self.jwks_min_interval
            if found is None and fetched_long_ago:
                body = self._get(jwks_uri)
                keys = body.get("keys") if isinstance(body.get("keys"), list) else []
                self._keys = {str(k.get("kid", "")): k for k in keys if isinstance(k, dict)
                              and k.get("use", "sig") == "sig"}
                self._keys_at = self.clock()
                found = self._find(kid)
        if found is None:
            raise SecurityProfileViolation(self.bank_id, "unknown_signing_key",
                                           "no key in the bank's JWKS matches the kid")
        return found

    def _find(self, kid: str | None) -> dict | None:
        if kid is None:
            return next(iter(self._keys.values())) if len(self._keys) == 1 else None
        return self._keys.get(kid)

    def _get(self, url: str) -> dict[str, Any]:
        response = self.transport.send("GET", url, headers={"Accept": "application/json"})
        body = self.transport.json(response) if response.status_code == 200 else None
        if not isinstance(body, dict):
            raise SecurityProfileViolation(self.bank_id, "metadata_unavailable",
                                           f"{response.status_code} from the bank's metadata")
        return body


def request_object(signer: RequestSigner, *, issuer: str, consent_id: str, redirect_uri: str,
                   scope: str, state: str, nonce: str, code_challenge: str,
                   response_type: str, response_mode: str | None,
                   now: float | None = None) -> str:
    """The signed authorisation request (FAPI 1.0 Advanced 5.2.2, OB security profile)."""
    now = int(now if now is not None else time.time())
    intent = {"openbanking_intent_id": {"value": consent_id, "essential": True}}
    claims = {"iss": signer.client_id, "aud": issuer, "client_id": signer.client_id,
              "response_type": response_type, "redirect_uri": redirect_uri, "scope": scope,
              "state": state, "nonce": nonce, "code_challenge": code_challenge,
              "code_challenge_method": "S256", "jti": str(uuid.uuid4()),
              "iat": now, "nbf": now, "exp": now + REQUEST_LIFETIME,
              "claims": {"id_token": {**intent, "acr": {"essential": True,
                                                        "values": ACR_VALUES}},
                         "userinfo": intent}}
    if response_mode:
        claims["response_mode"] = response_mode
    header = {"alg": signer.alg, "typ": "oauth-authz-req+jwt"}
    if signer.key.kid:
        header["kid"] = signer.key.kid
    return jwt.encode(header, claims, signer.key, algorithms=[signer.alg])


def left_hash(value: str) -> str:
    """`c_hash` / `s_hash` for PS256 and ES256: the left half of SHA-256, base64url."""
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def check_answer(metadata: BankMetadata, params: Mapping[str, str], *, client_id: str,
                 state: str, nonce: str, consent_id: str,
                 now: float | None = None) -> AuthorisationAnswer:
    """The bank's answer (query or fragment parameters), checked; see the module docstring."""
    bank = metadata.bank_id
    now = now if now is not None else time.time()
    if "response" in params:  # JARM
        claims = _verified(metadata, params["response"], "jarm", client_id, now)
        answer = {k: str(v) for k, v in claims.items() if isinstance(v, str)}
        if answer.get("state") != state:
            raise SecurityProfileViolation(bank, "state_mismatch", "JARM state")
        return AuthorisationAnswer(answer.get("code"), answer.get("error"))
    if params.get("state") != state:
        raise SecurityProfileViolation(bank, "state_mismatch", "authorisation answer")
    if params.get("error"):
        return AuthorisationAnswer(None, params["error"])
    if "iss" in params and params["iss"] != metadata.document()["issuer"]:
        raise SecurityProfileViolation(bank, "iss_mismatch", "authorisation answer iss")
    code, id_token = params.get("code"), params.get("id_token")
    if not code or not id_token:
        raise SecurityProfileViolation(bank, "id_token_missing", "hybrid answer lacks a part")
    claims = _verified(metadata, id_token, "id_token", client_id, now)
    if claims.get("nonce") != nonce:
        raise SecurityProfileViolation(bank, "nonce_mismatch", "ID token nonce")
    if claims.get("c_hash") != left_hash(code):
        raise SecurityProfileViolation(bank, "c_hash_mismatch", "ID token c_hash")
    if claims.get("s_hash") != left_hash(state):
        raise SecurityProfileViolation(bank, "s_hash_mismatch", "ID token s_hash")
    if claims.get("openbanking_intent_id") != consent_id:
        raise SecurityProfileViolation(bank, "intent_mismatch", "ID token intent id")
    return AuthorisationAnswer(code)


def _verified(metadata: BankMetadata, token: str, what: str, client_id: str,
              now: float) -> dict[str, Any]:
    """A JWT from the bank: signature by a key of its JWKS, then `iss`, `aud`, `exp`."""
    bank = metadata.bank_id
    try:
        header = jws.extract_compact(token.encode()).protected
    except (JoseError, ValueError, UnicodeError) as exc:
        raise SecurityProfileViolation(bank, f"{what}_malformed", "not a compact JWS") from exc
    alg = header.get("alg")
    if alg not in ALGS:
        raise SecurityProfileViolation(bank, f"{what}_alg", f"alg {alg!r} not PS256/ES256")
    try:
        key = JWKRegistry.import_key(metadata.key(header.get("kid")))
        claims = jwt.decode(token, key, algorithms=[alg]).claims
    except SecurityProfileViolation:
        raise
    except (JoseError, ValueError, TypeError) as exc:
        raise SecurityProfileViolation(bank, f"{what}_signature", "signature invalid") from exc
    if claims.get("iss") != metadata.document()["issuer"]:
        raise SecurityProfileViolation(bank, "iss_mismatch", f"{what} iss")
    aud = claims.get("aud")
    if client_id not in (aud if isinstance(aud, list) else [aud]):
        raise SecurityProfileViolation(bank, "aud_mismatch", f"{what} aud")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool) or exp + LEEWAY <= now:
        raise SecurityProfileViolation(bank, f"{what}_expired", f"{what} exp")
    return claims


__all__ = ["AuthorisationAnswer", "BankMetadata", "RequestSigner",
           "check_answer", "left_hash", "request_object"]
