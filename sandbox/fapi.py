"""The UK OB security profile (FAPI 1.0 Advanced) at a sandbox bank whose `profile` is set.

- The authorise request is a request object signed PS256 by a key the client registered, sent
  by value (`request`) or, when the bank's profile says `par`, only through its PAR endpoint
  (`request_uri`). It must name the client, redirect URI, `state`, `nonce`, PKCE S256, the
  response type the bank advertises and `openbanking_intent_id` as an essential `id_token`
  claim; `exp` must be in the future, `nbf` in the past, and at most 60 minutes apart.
- The answer is hybrid (`code`, `id_token`, `state` in the fragment; the ID token carries
  `c_hash`, `s_hash`, `nonce` and the intent id) or JARM (`response`, a signed JWT in the
  query), signed by the bank's key (published at `/.well-known/jwks.json`, rotatable).
- With `mtls`, every call but discovery must come with a client certificate the TLS layer
  verified (`SSL_CLIENT_CERT`), and `tls_client_auth` matches the certificate's subject DN.

The fault switch `answer_fault` makes the answer wrong in one way a real bank's can be.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import ssl
import threading
import time
from collections.abc import Mapping
from urllib.parse import urlencode

from cryptography import x509
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import JWKRegistry, RSAKey

ALG = "PS256"
PAR_PREFIX = "urn:ietf:params:oauth:request_uri:"
PAR_TTL = 60  # seconds a pushed request may wait for the PSU (RFC 9126: short)
ANSWER_TTL = 300
MAX_REQUEST_LIFETIME = 3600  # FAPI 1.0 Advanced 5.2.2-13: exp - nbf at most 60 minutes
LEEWAY = 10
ANSWER_FAULTS = ("wrong_c_hash", "wrong_s_hash", "wrong_nonce", "bad_signature", "expired",
                 "wrong_issuer", "unknown_key")
PUBLIC_PATHS = ("/.well-known/",)


class BankKeys:
    """The bank's signing keys: the newest signs; `rotate` makes a new one and, unless told to
    keep it, stops publishing the old."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: list[RSAKey] = []

    def current(self) -> RSAKey:
        with self._lock:
            if not self._keys:
                self._keys.append(_new_key())
            return self._keys[-1]

    def rotate(self, *, keep_old: bool = False) -> RSAKey:
        with self._lock:
            self._keys = [*(self._keys if keep_old else ()), _new_key()]
            return self._keys[-1]

    def jwks(self) -> dict:
        self.current()
        with self._lock:
            return {"keys": [{**k.as_dict(private=False), "alg": ALG, "use": "sig"}
                             for k in self._keys]}


def _new_key() -> RSAKey:
    key = RSAKey.generate_key(2048)
    key.ensure_kid()
    return key


def metadata(profile, urls: Mapping[str, str]) -> dict:
    """What a strict bank's discovery document adds or overrides."""
    jarm = profile.response == "jarm"
    document = {
        "jwks_uri": urls["jwks"],
        "response_types_supported": ["code"] if jarm else ["code id_token"],
        "response_modes_supported": ["jwt", "query.jwt"] if jarm else ["fragment"],
        "request_parameter_supported": not profile.par,
        "request_uri_parameter_supported": profile.par,
        "require_pushed_authorization_requests": profile.par,
        "request_object_signing_alg_values_supported": [ALG],
        "id_token_signing_alg_values_supported": [ALG],
        "authorization_signing_alg_values_supported": [ALG],
        "token_endpoint_auth_methods_supported": ["private_key_jwt", "tls_client_auth"],
        "tls_client_certificate_bound_access_tokens": profile.mtls,
        "claims_parameter_supported": True,
        "claims_supported": ["openbanking_intent_id", "acr", "sub", "c_hash", "s_hash"],
        "acr_values_supported": ["urn:openbanking:psd2:sca", "urn:openbanking:psd2:ca"],
        "scopes_supported": ["openid", "accounts"],
    }
    if profile.par:
        document["pushed_authorization_request_endpoint"] = urls["par"]
    return document


def verify_request_object(state, token: str, *, issuer: str,
                          client_id: str | None) -> tuple[dict | None, str]:
    """The authorisation parameters of a valid request object, or why it is refused."""
    bank = state.bank
    try:
        header = jws.extract_compact(token.encode()).protected
    except (JoseError, ValueError, UnicodeError):
        return None, "invalid_request_object: not a signed JWT"
    if header.get("alg") != ALG:
        return None, "invalid_request_object: request objects are signed PS256"
    client = bank.clients.get(client_id or "")
    if client is None:
        return None, "invalid_request_object: unknown client_id"
    claims = None
    for jwk in client.jwks:
        try:
            claims = jwt.decode(token, JWKRegistry.import_key(jwk), algorithms=[ALG]).claims
            break
        except (JoseError, ValueError, TypeError):
            continue
    if claims is None:
        return None, "invalid_request_object: no registered key verifies the signature"
    now = state.now().timestamp()
    aud = claims.get("aud")
    exp, nbf = claims.get("exp"), claims.get("nbf")
    expected = "code" if bank.profile.response == "jarm" else "code id_token"
    intent = ((claims.get("claims") or {}).get("id_token") or {}).get(
        "openbanking_intent_id") or {}
    checks = [
        (claims.get("iss") == client_id and claims.get("client_id") == client_id,
         "iss and client_id must be the client"),
        (issuer in (aud if isinstance(aud, list) else [aud]), "aud must be the bank's issuer"),
        (isinstance(exp, int | float) and exp > now, "the request object has expired"),
        (isinstance(nbf, int | float) and nbf <= now + LEEWAY, "nbf is missing or in future"),
        (isinstance(exp, int | float) and isinstance(nbf, int | float)
         and exp - nbf <= MAX_REQUEST_LIFETIME, "exp is more than 60 minutes after nbf"),
        (claims.get("response_type") == expected, f"response_type must be {expected}"),
        ((claims.get("response_mode") == "jwt") == (expected == "code"),
         "response_mode must be jwt with code (JARM), absent with code id_token"),
        ("openid" in str(claims.get("scope", "")).split(), "scope must include openid"),
        (all(isinstance(claims.get(n), str) and claims[n] for n in
             ("redirect_uri", "state", "nonce", "code_challenge")),
         "redirect_uri, state, nonce and code_challenge are required"),
        (claims.get("code_challenge_method") == "S256", "PKCE with S256 is required"),
        (isinstance(intent, dict) and intent.get("essential") is True
         and isinstance(intent.get("value"), str),
         "openbanking_intent_id must be an essential id_token claim with a value"),
    ]
    for ok, problem in checks:
        if not ok:
            return None, f"invalid_request_object: {problem}"
    params = {name: str(claims[name]) for name in
              ("client_id", "redirect_uri", "state", "nonce", "code_challenge", "scope",
               "response_type")}
    params["openbanking_intent_id"] = intent["value"]
    params["code_challenge_method"] = "S256"
    return params, ""


def push(state, token: str, *, issuer: str, client_id: str) -> tuple[str | None, str]:
    """PAR: keep a verified request for `PAR_TTL` seconds under a one-time `request_uri`."""
    params, problem = verify_request_object(state, token, issuer=issuer, client_id=client_id)
    if params is None:
        return None, problem
    uri = PAR_PREFIX + secrets.token_urlsafe(24)
    with state.lock:
        state.pushed[uri] = (params, time.monotonic() + PAR_TTL)
    return uri, ""


def resolve(state, values: Mapping[str, str], issuer: str) -> tuple[dict | None, str]:
    """The parameters of the authorise request in `values`: a sign-in form in progress
    (`auth_request`), a pushed request (`request_uri`, PAR) or a request object by value."""
    profile = state.bank.profile
    if values.get("auth_request"):
        with state.lock:
            params = state.auth_requests.get(values["auth_request"])
        return (dict(params), "") if params else (None, "the sign-in has expired")
    if values.get("request_uri"):
        with state.lock:
            pushed, until = state.pushed.pop(values["request_uri"], (None, 0.0))
        if pushed is None or until < time.monotonic():
            return None, "invalid_request_uri: unknown, used or expired"
        params = pushed
    elif profile.par:
        return None, "invalid_request: this bank takes requests only through PAR"
    elif values.get("request"):
        params, problem = verify_request_object(state, values["request"], issuer=issuer,
                                                client_id=values.get("client_id"))
        if params is None:
            return None, problem
    else:
        return None, "invalid_request: a signed request object is required"
    if values.get("client_id") != params["client_id"]:
        return None, "invalid_request: client_id differs from the request object's"
    handle = secrets.token_urlsafe(16)
    with state.lock:
        state.auth_requests[handle] = params
    return {**params, "auth_request": handle}, ""


def answer(state, params: Mapping[str, str], *, issuer: str, code: str | None = None,
           error: str | None = None) -> str:
    """The URL the PSU's browser is sent back to: hybrid fragment or JARM query."""
    fault = state.faults.answer_fault
    key = state.keys.current()
    if fault in ("bad_signature", "unknown_key"):  # signed by a key the bank never published
        key = _new_key() if fault == "unknown_key" else _impostor(key.kid)
    now = int(state.now().timestamp())
    exp = now - 60 if fault == "expired" else now + ANSWER_TTL
    iss = "https://impostor.example" if fault == "wrong_issuer" else issuer
    base = {"iss": iss, "aud": params["client_id"], "iat": now, "exp": exp}
    redirect_uri, the_state = params["redirect_uri"], params["state"]
    if state.bank.profile.response == "jarm":
        outcome = {"error": error} if error else {"code": code}
        response = _sign(key, {**base, **outcome, "state": the_state})
        separator = "&" if "?" in redirect_uri else "?"
        return redirect_uri + separator + urlencode({"response": response})
    if error:
        return redirect_uri + "#" + urlencode({"error": error, "state": the_state, "iss": issuer})
    claims = {**base, "sub": params["openbanking_intent_id"],
              "openbanking_intent_id": params["openbanking_intent_id"],
              "acr": "urn:openbanking:psd2:sca",
              "nonce": "not-" + params["nonce"] if fault == "wrong_nonce" else params["nonce"],
              "c_hash": left_hash(code + ("x" if fault == "wrong_c_hash" else "")),
              "s_hash": left_hash(the_state + ("x" if fault == "wrong_s_hash" else ""))}
    return redirect_uri + "#" + urlencode({"code": code, "id_token": _sign(key, claims),
                                           "state": the_state})


def client_certificate(environ) -> x509.Certificate | None:
    """The certificate the TLS layer verified for this request, if any: werkzeug's server
    hands it over as `SSL_CLIENT_CERT`; gunicorn does not, but hands over its TLS socket."""
    pem = environ.get("SSL_CLIENT_CERT")
    if pem:
        return x509.load_pem_x509_certificate(pem.encode())
    sock = environ.get("gunicorn.socket")
    der = sock.getpeercert(binary_form=True) if isinstance(sock, ssl.SSLSocket) else None
    return x509.load_der_x509_certificate(der) if der else None


def tls_client(state, environ, client_id: str | None) -> tuple[str | None, str]:
    """tls_client_auth (RFC 8705 2.1): the client's registered subject DN is the one of the
    certificate presented."""
    client = state.bank.clients.get(client_id or "")
    cert = client_certificate(environ)
    if client is None or not client.tls_subject:
        return None, "client authentication failed"
    if cert is None:
        return None, "a client certificate is required (tls_client_auth)"
    if cert.subject.rfc4514_string() != client.tls_subject:
        return None, "the client certificate's subject is not the one registered"
    return client_id, ""


def _impostor(kid: str) -> RSAKey:
    """Another key that claims the bank's key id: its signatures fail verification."""
    key = RSAKey.import_key(RSAKey.generate_key(2048).as_dict(private=True), {"kid": kid})
    return key


def left_hash(value: str) -> str:
    digest = hashlib.sha256(value.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def _sign(key: RSAKey, claims: dict) -> str:
    return jwt.encode({"alg": ALG, "kid": key.kid}, claims, key, algorithms=[ALG])
