"""DPoP proof validation (RFC 9449), at the token endpoint, PAR and every resource endpoint.

A proof is a JWT the client signs per request with its own key: it names the method and URL, is
fresh (iat within 10 s ahead / 60 s behind), is never reused (`jti` cached in Redis for the
window), and at a resource server carries `ath`, the hash of the access token. The key's RFC 7638
thumbprint is the `jkt` a token is bound to.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

from joserfc.errors import JoseError

from auth.jose import (
    ALGORITHMS,
    MalformedJwt,
    import_public_jwk,
    key_fits_alg,
    peek,
    sha256_b64url,
    verify,
)
from auth.replay import first_use, replay_cache_key

MAX_FUTURE_SECONDS = 10
MAX_AGE_SECONDS = 60
REPLAY_SECONDS = MAX_AGE_SECONDS + MAX_FUTURE_SECONDS + 5


class DpopError(Exception):
    """The proof is invalid; the message says why (safe to show the client)."""


@dataclass(frozen=True)
class DpopProof:
    jkt: str
    jti: str
    htm: str
    htu: str
    iat: int


# Characters a path keeps as they are; everything else is percent-encoded (RFC 3986 §3.3).
PATH_SAFE = "/:@!$&'()*+,;=-._~"


def canonical_path(path: str) -> str:
    """One spelling per path: a client signs the URL as sent (`/x/a%20b`), the server sees it
    decoded (`/x/a b`); both become the same string, so ids needing escapes still verify."""
    return quote(unquote(path), safe=PATH_SAFE)


def normalize_url(url: str) -> str:
    """Scheme and host lower-cased, default port dropped, path percent-encoding normalised, no
    query or fragment (RFC 9449 §4.3, RFC 3986 §6.2.2)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DpopError("htu is not a URL") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port and not ((scheme == "https" and port == 443) or (scheme == "http" and port == 80)):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{canonical_path(parts.path) or '/'}"


def replay_key(jkt: str, jti: str) -> str:
    """The replay-cache key of a proof, as `verify_proof` with a Redis client would set it."""
    return replay_cache_key("dpop", f"{jkt}:{jti}")


def verify_proof(proof: str | None, *, method: str, url: str, redis_client,
                 access_token: str | None = None, now: float | None = None) -> DpopProof:
    if not proof:
        raise DpopError("DPoP proof missing")
    try:
        header, claims = peek(proof)
    except MalformedJwt as exc:
        raise DpopError("DPoP proof is not a JWT") from exc
    if header.get("typ") != "dpop+jwt":
        raise DpopError("DPoP proof typ must be dpop+jwt")
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise DpopError("DPoP proof alg must be PS256 or ES256")
    try:
        key = import_public_jwk(header.get("jwk"))
    except MalformedJwt as exc:
        raise DpopError(f"DPoP proof {exc}") from exc
    if not key_fits_alg(key, alg):
        raise DpopError("DPoP proof key does not fit its alg")
    try:
        verify(proof, key, alg)
    except (JoseError, ValueError) as exc:
        raise DpopError("DPoP proof signature is invalid") from exc

    jti, htm, htu, iat = (claims.get(name) for name in ("jti", "htm", "htu", "iat"))
    if not isinstance(jti, str) or not 8 <= len(jti) <= 256:
        raise DpopError("DPoP proof jti missing or malformed")
    if htm != method:
        raise DpopError("DPoP proof htm does not match the request method")
    if not isinstance(htu, str) or normalize_url(htu) != normalize_url(url):
        raise DpopError("DPoP proof htu does not match the request URL")
    now = time.time() if now is None else now
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise DpopError("DPoP proof iat missing")
    if iat > now + MAX_FUTURE_SECONDS or iat < now - MAX_AGE_SECONDS:
        raise DpopError("DPoP proof iat outside the accepted window")
    if access_token is not None and claims.get("ath") != sha256_b64url(access_token):
        raise DpopError("DPoP proof ath does not match the access token")

    jkt = key.thumbprint()
    # redis_client=None: the caller sets `replay_key(jkt, jti)` itself (SET NX, REPLAY_SECONDS),
    # in a round trip it needs anyway (the resource check's revocation markers).
    if redis_client is not None and not first_use(redis_client, "dpop", f"{jkt}:{jti}",
                                                  REPLAY_SECONDS):
        raise DpopError("DPoP proof replayed")
    return DpopProof(jkt=jkt, jti=jti, htm=htm, htu=htu, iat=int(iat))
