"""DPoP proof validation (RFC 9449), at the token endpoint, PAR and every resource endpoint.

A proof is a JWT the client signs per request with its own key: it names the method and URL, is
fresh (iat within 10 s ahead / 60 s behind), is never reused (`jti` cached in Redis for the
window), and at a resource server carries `ath`, the hash of the access token. The key's RFC 7638
thumbprint is the `jkt` a token is bound to.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

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


# RFC 3986 §2.3 unreserved characters: their percent-encoding is equivalent to the character.
UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters a path may carry literally (pchar and "/", RFC 3986 §3.3); anything else, such as
# a space or a non-ASCII letter a client library left raw, is UTF-8 percent-encoded first.
PATH_LITERAL = UNRESERVED | frozenset("!$&'()*+,;=:@/")
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")


def canonical_path(path: str) -> str:
    """The RFC 3986 §6.2.2 normal form of a path: percent-encodings of unreserved characters
    decoded, every other one kept with upper-case hex (an encoded "/" or "(" is data, not a
    delimiter, so `/tpp%2Fclient` stays distinct from `/tpp/client`), dot segments removed
    (§5.2.4)."""
    out = []
    i = 0
    while i < len(path):
        match = _PERCENT.match(path, i)
        if match:
            char = chr(int(match.group(1), 16))
            out.append(char if char in UNRESERVED else "%" + match.group(1).upper())
            i = match.end()
            continue
        char = path[i]
        out.append(char if char in PATH_LITERAL else quote(char, safe=""))
        i += 1
    return _remove_dot_segments("".join(out)) or "/"


def _remove_dot_segments(path: str) -> str:
    segments = path.split("/")
    kept: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                kept.append("")
        elif segment == "..":
            if len(kept) > 1:
                kept.pop()
            if last:
                kept.append("")
        else:
            kept.append(segment)
    return "/".join(kept)


def request_path(raw_uri: str | None, script_name: str, routed_path: str) -> str:
    """The path as the client sent it, below the mount point (the issuer names that): the
    server's request-target (gunicorn and Werkzeug put it in RAW_URI / REQUEST_URI) without the
    query; `routed_path` re-encoded only when the server gave no raw target. Routing sees paths
    decoded, so comparing `htu` with the routed path would take `%2F` for `/`."""
    if not raw_uri:
        return quote(routed_path, safe="/")
    path = raw_uri.split("?", 1)[0].split("#", 1)[0]
    if "://" in path:  # absolute-form request-target (RFC 9112 §3.2.2)
        path = urlsplit(path).path
    if script_name and path.startswith(script_name):
        path = path[len(script_name):]
    return path


def normalize_url(url: str) -> str:
    """Scheme and host lower-cased, default port dropped, the path in its RFC 3986 §6.2.2 normal
    form, no query or fragment (RFC 9449 §4.3)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise DpopError("htu is not a URL") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if port and not ((scheme == "https" and port == 443) or (scheme == "http" and port == 80)):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{canonical_path(parts.path)}"


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
