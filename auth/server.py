"""The token endpoint's grants, introspection and revocation, with the FAPI 2.0 rules.

authlib's `AuthorizationServer` plumbing is not used for the grants: PAR, DPoP and mTLS binding
touch every step of them and authlib has none of the three. What authlib does well is used:
RFC 7523 client assertions (`client_auth.PrivateKeyJwt`) and the RFC 7636 S256 transform.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from sqlalchemy.orm import Session

from auth import client_auth, dpop, eidas_registration, mtls, registry, revocation, tokens
from auth.codes import CodeStore
from auth.eidas_registration import EidasSetup
from auth.errors import (
    OAuthError,
    invalid_dpop_proof,
    invalid_grant,
    invalid_request,
    invalid_scope,
    unavailable,
)
from auth.jwks_fetch import JwksFetcher
from auth.keys import SigningKeys
from auth.par import RequestStore
from auth.replay import ReplayCacheUnavailable
from auth.scopes import allowed_scopes, format_scope, parse_scope
from auth.tokens import Binding, Grant
from core.db import unit_of_work
from core.ttlcache import TtlCache

GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")


@dataclass(frozen=True)
class ClientView:
    """What a resource check needs of a client registration."""

    client_id: str
    name: str
    roles: frozenset[str]
    # must its requests to APIs with OB message signing (UK CoP) carry x-jws-signature
    message_signing_required: bool = False


@dataclass
class AuthServer:
    """Per-app dependencies and settings of the authorisation server."""

    issuer: str
    keys: SigningKeys
    redis: object
    cert_header: str
    access_token_lifetime: int = 300
    refresh_token_lifetime: int = 90 * 86400
    code_lifetime: int = 60
    par_lifetime: int = 90
    session_lifetime: int = 900
    # how long a worker reuses a client's name and roles on resource checks
    client_cache_seconds: float = 30.0
    session_factory: object = None
    jwks_fetcher: JwksFetcher | None = None
    # CAs of tls_client_auth certificates (TLS_CLIENT_CA_BUNDLE); None: DN matching is off
    client_ca_store: object = None
    eidas: EidasSetup | None = None  # eIDAS, software statements, registers
    _clients: TtlCache[ClientView | None] = field(init=False, repr=False)
    _revocations: revocation.Markers | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._clients = TtlCache(self.client_cache_seconds)

    @property
    def revocations(self) -> revocation.Markers:
        if self._revocations is None:
            self._revocations = revocation.Markers(self.redis, self.access_token_lifetime)
        return self._revocations

    def client_view(self, client_id: str) -> ClientView | None:
        """The client's name and roles, from this process's cache (`client_cache_seconds`); a
        client unknown to the database is not cached."""
        return self._clients.get(client_id, lambda: self._load_client_view(client_id),
                                 keep=lambda view: view is not None)

    def _load_client_view(self, client_id: str) -> ClientView | None:
        with self.session_factory() as session:
            client = registry.get_client(session, client_id)
            return None if client is None else ClientView(
                client.client_id, client.name, frozenset(client.roles),
                bool(client.message_signing_required))

    @property
    def requests(self) -> RequestStore:
        return RequestStore(self.redis)

    @property
    def codes(self) -> CodeStore:
        return CodeStore(self.redis)

    def url(self, path: str) -> str:
        return self.issuer + path

    def authenticate_client(self, session: Session, form, headers, path: str):
        # FAPI 2.0 SP final §5.3.2.1: the issuer identifier alone, whatever the endpoint.
        client = client_auth.authenticate(
            session, form, cert_header=headers.get(self.cert_header), issuer=self.issuer,
            redis_client=self.redis, jwks_fetcher=self.jwks_fetcher,
            ca_store=self.client_ca_store)
        if self.eidas is not None:
            eidas_registration.enforce(session, self.eidas, client, headers.get(self.cert_header))
        return client

    def binding(self, headers, method: str, path: str, *, required: bool = True
                ) -> Binding | None:
        """The key the tokens will be bound to: the DPoP proof's, else the TLS certificate."""
        proofs = headers.getlist("DPoP")
        if len(proofs) > 1:
            raise invalid_dpop_proof("send exactly one DPoP header")
        if proofs:
            try:
                proof = dpop.verify_proof(proofs[0], method=method, url=self.url(path),
                                          redis_client=self.redis)
            except dpop.DpopError as exc:
                raise invalid_dpop_proof(str(exc)) from exc
            except ReplayCacheUnavailable as exc:
                raise unavailable("replay cache unavailable") from exc
            return Binding(jkt=proof.jkt)
        try:
            cert = mtls.certificate_from_header(headers.get(self.cert_header))
        except mtls.CertificateError as exc:
            raise invalid_request(str(exc)) from exc
        if cert is not None:
            return Binding(x5t=mtls.thumbprint(cert))
        if required:
            raise invalid_request("tokens are sender-constrained: send a DPoP proof or use mTLS")
        return None


class _CodeReplayed(Exception):
    """An authorization code was presented again after it was redeemed."""

    def __init__(self, grant_id: str) -> None:
        super().__init__(grant_id)
        self.grant_id = grant_id


def token(server: AuthServer, session: Session, form, headers) -> dict:
    """The token endpoint: the tokens a grant issues commit in one unit of work.

    A replayed authorization code is the one failure that must change something: RFC 6749
    §4.1.2 has the server revoke the tokens already issued from the code, since whoever
    replays it may hold them. The grant's unit of work is abandoned and the revocation
    commits in one of its own, before the request is refused with invalid_grant."""
    grant_type = form.get("grant_type")
    if grant_type not in GRANT_TYPES:
        raise OAuthError("unsupported_grant_type", "grant_type must be one of "
                         + ", ".join(GRANT_TYPES))
    client = server.authenticate_client(session, form, headers, "/token")
    binding = server.binding(headers, "POST", "/token")
    grant = {"client_credentials": _client_credentials, "authorization_code":
             _authorization_code, "refresh_token": _refresh}[grant_type]
    try:
        with unit_of_work(session):
            return grant(server, session, client, form, binding)
    except _CodeReplayed as replay:
        with unit_of_work(session):
            tokens.revoke_grant(session, replay.grant_id)
        raise invalid_grant("the authorization code was already used; its tokens are "
                            "revoked") from None


def _answer(server, session, grant: Grant, binding: Binding, refresh: str | None = None) -> dict:
    access, _ = tokens.issue_access_token(
        session, server.keys, issuer=server.issuer, grant=grant, binding=binding,
        lifetime=server.access_token_lifetime)
    body = {"access_token": access, "token_type": "DPoP" if binding.jkt else "Bearer",
            "expires_in": server.access_token_lifetime, "scope": grant.scope}
    if refresh:
        body["refresh_token"] = refresh
    return body


def _client_credentials(server, session, client, form, binding) -> dict:
    allowed = allowed_scopes(client.roles)
    requested = parse_scope(form.get("scope")) or allowed
    if not requested <= allowed:
        raise invalid_scope("the client's roles do not allow this scope")
    grant = Grant(client_id=client.client_id, scope=format_scope(requested),
                  grant_id=secrets.token_urlsafe(16))
    return _answer(server, session, grant, binding)


def _authorization_code(server, session, client, form, binding) -> dict:
    value = form.get("code")
    code, replayed_grant = server.codes.look(value)
    if code is None:
        _refuse_unusable_code(replayed_grant)
    problem = _code_mismatch(code, client, form, binding)
    if problem is not None:
        burnt = server.codes.fail(value)
        raise invalid_grant(problem + ("; the authorization code is now burnt" if burnt else ""))
    code, replayed_grant = server.codes.consume(value)
    if code is None:
        _refuse_unusable_code(replayed_grant)
    grant = Grant(client_id=client.client_id, scope=code.scope, grant_id=code.grant_id,
                  psu_id=code.psu_id, consent_id=code.consent_id)
    refresh = tokens.issue_refresh_token(session, grant=grant, binding=binding,
                                         lifetime=server.refresh_token_lifetime)
    return _answer(server, session, grant, binding, refresh)


def _refuse_unusable_code(replayed_grant: str | None):
    if replayed_grant:
        raise _CodeReplayed(replayed_grant)
    raise invalid_grant("the authorization code is unknown or expired")


def _code_mismatch(code, client, form, binding) -> str | None:
    """Why this redemption may not have the code, or None."""
    if code.client_id != client.client_id:
        return "the authorization code was issued to another client"
    if form.get("redirect_uri") != code.redirect_uri:
        return "redirect_uri does not match the authorization request"
    verifier = form.get("code_verifier")
    if not isinstance(verifier, str) or not 43 <= len(verifier) <= 128:
        return "code_verifier is required"
    if not secrets.compare_digest(create_s256_code_challenge(verifier), code.code_challenge):
        return "code_verifier does not match the code_challenge"
    if code.dpop_jkt and binding.jkt != code.dpop_jkt:
        return "the DPoP key differs from the one bound at PAR (dpop_jkt)"
    return None


def _refresh(server, session, client, form, binding) -> dict:
    record = tokens.find_refresh_token(session, form.get("refresh_token"))
    if record is None or record.client_id != client.client_id:
        raise invalid_grant("the refresh token is unknown")
    if tokens.active_record(session, record.id, "refresh") is None:
        raise invalid_grant("the refresh token is revoked or expired")
    if Binding.of(record) != binding:
        raise invalid_grant("the refresh token is bound to another key")
    scopes = parse_scope(record.scope)
    requested = parse_scope(form.get("scope")) or scopes
    if not requested <= scopes or not requested <= allowed_scopes(client.roles):
        raise invalid_scope("scope exceeds the original grant")
    grant = Grant(client_id=client.client_id, scope=format_scope(requested),
                  grant_id=record.grant_id, psu_id=record.psu_id, consent_id=record.consent_id)
    return _answer(server, session, grant, binding)


def _lookup(server, session, client, value):
    """The token record for an access JWT or a refresh token, if it belongs to `client`."""
    if isinstance(value, str) and value.count(".") == 2:
        try:
            claims = tokens.verify_access_token(server.keys, value, issuer=server.issuer)
        except tokens.TokenError:
            return None
        record = tokens.active_record(session, claims["jti"])
        if record is None:
            return None
    else:
        record = tokens.find_refresh_token(session, value)
        if record is None or tokens.active_record(session, record.id, "refresh") is None:
            return None
    return record if record.client_id == client.client_id else None


def introspection_body(server, session, client, form) -> dict:
    """RFC 7662 §2.2 for an authenticated `client`: active only for its own tokens."""
    if not form.get("token"):
        raise invalid_request("token is required")
    record = _lookup(server, session, client, form.get("token"))
    if record is None:
        return {"active": False}
    body = {
        "active": True, "client_id": record.client_id, "scope": record.scope,
        "token_type": "DPoP" if record.cnf_jkt else "Bearer", "iss": server.issuer,
        "sub": record.psu_id or record.client_id, "exp": int(record.expires_at.timestamp()),
        "iat": int(record.issued_at.timestamp()),
        "cnf": Binding.of(record).cnf(),
    }
    if record.kind == "access":
        body["jti"] = record.id
    if record.consent_id:
        body["consent_id"] = record.consent_id
    return body


def revoke(server, session, form, headers) -> None:
    """RFC 7009: answer 200 whether or not the token was known (or belonged to the client)."""
    client = server.authenticate_client(session, form, headers, "/revoke")
    if not form.get("token"):
        raise invalid_request("token is required")
    with unit_of_work(session):
        record = _lookup(server, session, client, form.get("token"))
        if record is not None:
            tokens.revoke_record(session, record)
