"""The TPP registry: operator registration, RFC 7591 dynamic registration, client keys.

Both ways in share one validator, so the CLI and `/register` refuse the same metadata with the
same RFC 7591 error: `invalid_redirect_uri` for anything but https, `invalid_client_metadata`
for unsupported algorithms, methods or keys that do not parse.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from urllib.parse import urlsplit

from joserfc import jwk
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.jose import ALGORITHMS, MalformedJwt, import_public_jwk, key_fits_alg
from auth.jwks_fetch import JwksFetcher, refused_address
from auth.models import RegistrationToken, TppClient
from auth.scopes import allowed_scopes, parse_scope, validate_roles
from core.db import unit_of_work, utcnow

AUTH_METHODS = ("private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth")
GRANT_TYPES = ("authorization_code", "refresh_token", "client_credentials")


class RegistrationError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def _metadata_error(description: str) -> RegistrationError:
    return RegistrationError("invalid_client_metadata", description)


def validate_redirect_uris(uris) -> list[str]:
    if not isinstance(uris, list | tuple) or not all(isinstance(u, str) for u in uris):
        raise RegistrationError("invalid_redirect_uri", "redirect_uris must be a list of URLs")
    for uri in uris:
        parts = urlsplit(uri)
        if parts.scheme != "https" or not parts.hostname or parts.fragment:
            raise RegistrationError(
                "invalid_redirect_uri",
                f"{uri!r}: redirect URIs must be absolute https URLs without a fragment",
            )
    return list(uris)


def validate_jwks(jwks) -> dict:
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise _metadata_error("jwks must be a JWK Set with at least one key")
    for data in keys:
        try:
            key = import_public_jwk(data)
        except MalformedJwt as exc:
            raise _metadata_error(f"jwks: {exc}") from exc
        alg = data.get("alg")
        if alg is not None and alg not in ALGORITHMS:
            raise _metadata_error(f"jwks: alg {alg!r} is not supported (PS256, ES256)")
        if not any(key_fits_alg(key, candidate) for candidate in ALGORITHMS):
            raise _metadata_error("jwks: keys must be EC P-256 or RSA of at least 2048 bits")
    return {"keys": keys}


def new_client_id() -> str:
    """A random client id that never starts with "-".

    Operators pass client ids to ``flask tpp …`` commands, where an argument that starts
    with a dash would be read as an option.
    """
    while True:
        client_id = secrets.token_urlsafe(18)
        if not client_id.startswith("-"):
            return client_id


def register_client(session: Session, *, name: str, roles, jwks: dict | None = None,
                    jwks_uri: str | None = None, redirect_uris=(), tls_subject: str | None = None,
                    tls_thumbprint: str | None = None, auth_method: str | None = None,
                    registered_by: str = "operator",
                    require_signed_request_object: bool = False) -> TppClient:
    """Validate and store a client; the caller's transaction commits it."""
    if not isinstance(name, str) or not name.strip():
        raise _metadata_error("client_name is required")
    try:
        roles = validate_roles(tuple(roles))
    except ValueError as exc:
        raise _metadata_error(str(exc)) from exc
    redirect_uris = validate_redirect_uris(list(redirect_uris))
    if jwks is not None and jwks_uri is not None:
        raise _metadata_error("give jwks or jwks_uri, not both")
    if jwks is not None:
        jwks = validate_jwks(jwks)
    if jwks_uri is not None:
        _check_jwks_uri(jwks_uri)
    auth_method = auth_method or ("tls_client_auth" if not (jwks or jwks_uri) else
                                  "private_key_jwt")
    if auth_method not in AUTH_METHODS:
        raise _metadata_error(
            f"token_endpoint_auth_method must be one of {', '.join(AUTH_METHODS)}")
    if auth_method == "private_key_jwt" and not (jwks or jwks_uri):
        raise _metadata_error("private_key_jwt needs jwks or jwks_uri")
    if auth_method == "tls_client_auth" and not (tls_subject or tls_thumbprint):
        raise _metadata_error("tls_client_auth needs tls_client_auth_subject_dn")
    if auth_method == "self_signed_tls_client_auth":
        if not (jwks or jwks_uri):
            raise _metadata_error("self_signed_tls_client_auth needs jwks or jwks_uri holding "
                                  "the certificate in x5c (RFC 8705 §2.2)")
        if jwks is not None and not any(key.get("x5c") for key in jwks["keys"]):
            raise _metadata_error("self_signed_tls_client_auth: no key of jwks has an x5c "
                                  "certificate (RFC 8705 §2.2)")
    client = TppClient(
        client_id=new_client_id(), name=name.strip(), roles=list(roles), jwks=jwks,
        jwks_uri=jwks_uri, redirect_uris=redirect_uris, tls_client_auth_subject_dn=tls_subject,
        tls_client_cert_thumbprint=tls_thumbprint, token_endpoint_auth_method=auth_method,
        registered_by=registered_by, created_at=utcnow(),
        require_signed_request_object=_flag(require_signed_request_object,
                                            "require_signed_request_object"),
    )
    session.add(client)
    return client


def _flag(value, name: str) -> bool:
    if not isinstance(value, bool):
        raise _metadata_error(f"{name} must be true or false")
    return value


def set_require_signed_request_object(session: Session, client_id: str, value: bool
                                      ) -> TppClient:
    """Operator switch: /par then accepts only signed request objects from the client."""
    client = get_client(session, client_id)
    if client is None:
        raise RegistrationError("invalid_client_id", f"no client {client_id!r}")
    client.require_signed_request_object = _flag(value, "require_signed_request_object")
    return client


def get_client(session: Session, client_id) -> TppClient | None:
    if not isinstance(client_id, str) or not client_id or len(client_id) > 64:
        return None
    return session.get(TppClient, client_id)


def list_clients(session: Session) -> list[TppClient]:
    return list(session.scalars(select(TppClient).order_by(TppClient.created_at)))


def client_metadata(client: TppClient) -> dict:
    data = {
        "client_id": client.client_id,
        "client_id_issued_at": int(client.created_at.timestamp()),
        "client_name": client.name,
        "redirect_uris": client.redirect_uris,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "grant_types": list(GRANT_TYPES),
        "response_types": ["code"],
        "scope": " ".join(sorted(allowed_scopes(client.roles))),
        "roles": client.roles,
        "require_signed_request_object": bool(client.require_signed_request_object),
    }
    for field, value in (("jwks", client.jwks), ("jwks_uri", client.jwks_uri),
                         ("tls_client_auth_subject_dn", client.tls_client_auth_subject_dn)):
        if value:
            data[field] = value
    return data


def _check_jwks_uri(uri) -> None:
    """What registration can check; the address is checked again at each fetch, after DNS."""
    try:
        parts = urlsplit(uri) if isinstance(uri, str) else None
    except ValueError:
        parts = None
    if parts is None or parts.scheme != "https" or not parts.hostname:
        raise _metadata_error("jwks_uri must be an https URL")
    if parts.username or parts.password:
        raise _metadata_error("jwks_uri must not carry credentials")


def set_message_signing(session: Session, client_id: str, required: bool) -> TppClient:
    """Whether the client's requests to APIs with OB message signing (UK CoP) must carry a
    detached JWS in `x-jws-signature`; when not required, a signature sent is still checked."""
    client = get_client(session, client_id)
    if client is None:
        raise _metadata_error(f"no registered client {client_id!r}")
    client.message_signing_required = required
    return client


def _refuse_internal_jwks_uri(uri: str) -> None:
    """A TPP registering itself may not name an internal address outright."""
    host = urlsplit(uri).hostname or ""
    try:
        why = refused_address(host)
    except ValueError:
        return  # a name: the fetch checks what it resolves to
    if why:
        raise _metadata_error(f"jwks_uri host {host} is {why}")


@functools.cache
def _default_fetcher() -> JwksFetcher:
    return JwksFetcher()


def client_jwks(client: TppClient, fetcher: JwksFetcher | None = None) -> dict:
    """The client's JWK Set as registered; a jwks_uri is fetched (see auth.jwks_fetch) and
    cached."""
    if client.jwks is None and client.jwks_uri:
        return (fetcher or _default_fetcher()).keys(client.jwks_uri, validate_jwks)
    return client.jwks or {"keys": []}


def client_keyset(client: TppClient, fetcher: JwksFetcher | None = None) -> jwk.KeySet:
    """The client's public keys."""
    return keyset_of(client_jwks(client, fetcher))


def keyset_of(jwks: dict) -> jwk.KeySet:
    return jwk.KeySet([import_public_jwk(key) for key in jwks.get("keys", [])])


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_registration_token(session: Session, roles, ttl_seconds: int = 86400) -> str:
    roles = validate_roles(tuple(roles))
    token = secrets.token_urlsafe(32)
    session.add(RegistrationToken(token_hash=_hash(token), roles=list(roles), created_at=utcnow(),
                                  expires_at=utcnow() + dt.timedelta(seconds=ttl_seconds)))
    return token


def redeem_registration_token(session: Session, token: str | None) -> RegistrationToken | None:
    if not token:
        return None
    record = session.scalars(
        select(RegistrationToken).where(RegistrationToken.token_hash == _hash(token))
    ).one_or_none()
    if record is None or record.used_at is not None or record.expires_at <= utcnow():
        return None
    return record


def register_dynamic(session: Session, initial: RegistrationToken, metadata) -> TppClient:
    """RFC 7591 §3.1: the metadata a TPP posts; roles come from the operator's token, which
    is spent in the same unit of work that stores the client."""
    with unit_of_work(session):
        return _register_dynamic(session, initial, metadata)


def _register_dynamic(session: Session, initial: RegistrationToken, metadata) -> TppClient:
    if not isinstance(metadata, dict):
        raise _metadata_error("the body must be a JSON object of client metadata")
    for name in ("token_endpoint_auth_signing_alg", "request_object_signing_alg"):
        alg = metadata.get(name)
        if alg is not None and alg not in ALGORITHMS:
            raise _metadata_error(f"{name} must be PS256 or ES256")
    grants = metadata.get("grant_types", ["authorization_code"])
    if not isinstance(grants, list) or set(grants) - set(GRANT_TYPES):
        raise _metadata_error(f"grant_types must be some of {', '.join(GRANT_TYPES)}")
    if metadata.get("response_types", ["code"]) != ["code"]:
        raise _metadata_error("response_types must be [\"code\"]")
    jwks_uri = metadata.get("jwks_uri")
    if jwks_uri is not None:
        _check_jwks_uri(jwks_uri)
        _refuse_internal_jwks_uri(jwks_uri)
    scope = metadata.get("scope")
    if scope is not None and not parse_scope(scope) <= allowed_scopes(initial.roles):
        raise _metadata_error("scope asks for more than the registration token's roles grant")
    client = register_client(
        session, name=metadata.get("client_name", ""), roles=initial.roles,
        jwks=metadata.get("jwks"), jwks_uri=metadata.get("jwks_uri"),
        redirect_uris=metadata.get("redirect_uris", []),
        tls_subject=metadata.get("tls_client_auth_subject_dn"),
        auth_method=metadata.get("token_endpoint_auth_method", "private_key_jwt"),
        registered_by="dcr",
        require_signed_request_object=metadata.get("require_signed_request_object", False),
    )
    initial.used_at = utcnow()
    initial.client_id = client.client_id
    return client
