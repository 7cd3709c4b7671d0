"""Client authentication at /token, /par, /introspect and /revoke: private_key_jwt,
tls_client_auth or self_signed_tls_client_auth (auth.mtls). No client secrets, no `none`.

private_key_jwt uses authlib's RFC 7523 `JWTBearerClientAssertion`, tightened: the header `alg`
must be PS256 or ES256 (authlib's decode would take any registered alg), `exp` at most five
minutes ahead, `iat`/`nbf` at most 10 s ahead (FAPI 2.0), and `jti` single use across workers.
"""

from __future__ import annotations

import time
from types import SimpleNamespace

from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc import jwk
from joserfc.errors import JoseError

from auth import mtls, registry
from auth.errors import OAuthError, invalid_client, unavailable
from auth.jose import ALGORITHMS, MalformedJwt, key_fits_alg, peek, verify
from auth.jwks_fetch import JwksFetcher, JwksFetchError
from auth.replay import ReplayCacheUnavailable, first_use

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# An hour: what common client libraries sign for by default (authlib's PrivateKeyJWT does), so
# a standard client authenticates with no setting; `jti` is held single-use until `exp`.
MAX_ASSERTION_LIFETIME = 3600
MAX_FUTURE_SKEW = 10


class PrivateKeyJwt(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self, *, issuer: str, redis_client, now: float | None = None,
                 jwks_fetcher: JwksFetcher | None = None) -> None:
        super().__init__(validate_jti=True, leeway=0)
        self.issuer = issuer
        self.jwks_fetcher = jwks_fetcher
        self.redis = redis_client
        self.now = time.time() if now is None else now

    def get_audiences(self):
        return [self.issuer]

    def resolve_client_public_key(self, client):
        try:
            return registry.client_keyset(client, self.jwks_fetcher)
        except JwksFetchError as exc:
            raise InvalidClientError(description=f"the client's keys cannot be loaded: {exc}"
                                     ) from exc
        except (registry.RegistrationError, MalformedJwt) as exc:
            raise InvalidClientError(description=f"the client's jwks_uri holds no usable keys: "
                                                 f"{exc}") from exc

    def process_assertion_claims(self, assertion, resolve_key):
        try:
            header, _ = peek(assertion)
        except MalformedJwt as exc:
            raise InvalidClientError(description="client_assertion is not a JWT") from exc
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise InvalidClientError(description="client_assertion alg must be PS256 or ES256")
        key = resolve_key
        if isinstance(key, jwk.KeySet):
            key = _pick(key, header.get("kid"), alg)
        if key is None or not key_fits_alg(key, alg):
            raise InvalidClientError(description="no registered key verifies client_assertion")
        try:
            claims = verify(assertion, key, alg)
        except (JoseError, ValueError) as exc:
            raise InvalidClientError(description="client_assertion signature is invalid") from exc
        self.verify_claims(claims)
        return claims

    def verify_claims(self, claims):
        # FAPI 2.0 SP final §5.3.2.1: `aud` is the issuer identifier as a single string; an
        # array (even one naming this issuer) or an endpoint URL is refused, so an assertion
        # made for another server, or for several, cannot be replayed here.
        if not isinstance(claims.get("aud"), str) or claims["aud"] != self.issuer:
            raise InvalidClientError(
                description=f"client_assertion aud must be the issuer {self.issuer!r} "
                            "as a single string")
        exp = claims.get("exp")
        if not _is_number(exp) or exp <= self.now:
            raise InvalidClientError(description="client_assertion has expired")
        if exp > self.now + MAX_ASSERTION_LIFETIME + MAX_FUTURE_SKEW:
            raise InvalidClientError(description="client_assertion exp is too far ahead")
        for name in ("iat", "nbf"):
            value = claims.get(name)
            if value is not None and (not _is_number(value) or
                                      value > self.now + MAX_FUTURE_SKEW):
                raise InvalidClientError(description=f"client_assertion {name} is in the future")
        if claims.get("iss") != claims.get("sub"):
            raise InvalidClientError(description="client_assertion iss and sub must match")
        jti = claims.get("jti")
        if not isinstance(jti, str) or not jti:
            raise InvalidClientError(description="client_assertion jti is missing")
        if not self.validate_jti(claims, jti):
            raise InvalidClientError(description="client_assertion jti was used before")

    def validate_jti(self, claims, jti):
        ttl = int(claims["exp"] - self.now) + MAX_FUTURE_SKEW
        return first_use(self.redis, "client-assertion", f"{claims['sub']}:{jti}", ttl)

    def authenticate_client(self, client):
        if client.token_endpoint_auth_method != self.CLIENT_AUTH_METHOD:
            raise InvalidClientError(description="the client is registered for "
                                                 f"{client.token_endpoint_auth_method}")
        return client


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _pick(keyset, kid, alg):
    candidates = [k for k in keyset.keys if (kid is None or k.kid == kid)]
    fitting = [k for k in candidates if key_fits_alg(k, alg)]
    return fitting[0] if fitting else None


def authenticate(session, form, *, cert_header: str | None, issuer: str, redis_client,
                 jwks_fetcher: JwksFetcher | None = None, ca_store=None):
    """The authenticated client, or an `invalid_client` OAuthError."""
    if form.get("client_secret"):
        raise invalid_client("client secrets are not supported: use private_key_jwt or mTLS")
    if form.get("client_assertion_type") or form.get("client_assertion"):
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            raise invalid_client("client_assertion_type must be jwt-bearer")
        method = PrivateKeyJwt(issuer=issuer, redis_client=redis_client,
                               jwks_fetcher=jwks_fetcher)
        request = SimpleNamespace(form=form, client=None)
        try:
            client = method(lambda cid: registry.get_client(session, cid), request)
        except InvalidClientError as exc:
            raise invalid_client(exc.description) from exc
        except ReplayCacheUnavailable as exc:
            raise unavailable("replay cache unavailable") from exc
        if client is None:
            raise invalid_client("client_assertion is missing")
        if form.get("client_id") not in (None, client.client_id):
            raise invalid_client("client_id does not match the client_assertion")
        return client
    return _tls_client_auth(session, form, cert_header, ca_store, jwks_fetcher)


def _tls_client_auth(session, form, cert_header, ca_store, jwks_fetcher):
    try:
        chain = mtls.chain_from_header(cert_header)
    except mtls.CertificateError as exc:
        raise invalid_client(str(exc)) from exc
    if not chain:
        raise invalid_client("authenticate with private_key_jwt or a TLS client certificate")
    client = registry.get_client(session, form.get("client_id"))
    if client is None:
        raise invalid_client("unknown client_id")
    method = client.token_endpoint_auth_method
    if method == "self_signed_tls_client_auth":
        try:
            jwks = registry.client_jwks(client, jwks_fetcher)
        except (JwksFetchError, registry.RegistrationError) as exc:
            raise invalid_client(f"the client's keys cannot be loaded: {exc}") from exc
        if not mtls.in_jwks_x5c(chain[0], jwks):
            raise invalid_client("the TLS client certificate is not in the x5c of the "
                                 "client's registered keys")
        return client
    if method != "tls_client_auth":
        raise invalid_client(f"the client is registered for {method}")
    if client.tls_client_cert_thumbprint:  # pinned by the operator: this certificate only
        if mtls.thumbprint(chain[0]) != client.tls_client_cert_thumbprint:
            raise invalid_client("the TLS client certificate is not the one registered")
        return client
    if ca_store is None:
        raise invalid_client("tls_client_auth by subject DN needs the server's "
                             "TLS_CLIENT_CA_BUNDLE; the operator has not configured one")
    try:
        mtls.verify_chain(chain, ca_store)
    except mtls.CertificateError as exc:
        raise invalid_client(str(exc)) from exc
    if not mtls.matches_client(chain[0], subject=client.tls_client_auth_subject_dn,
                               cert_thumbprint=None):
        raise invalid_client("the TLS client certificate's subject DN is not the registered "
                             "tls_client_auth_subject_dn")
    return client


__all__ = ["OAuthError", "PrivateKeyJwt", "authenticate"]
