"""Resource protection for every other package: `require_token(scope, roles, psu)`.

Checks, in order: an access token in the Authorization header (never the query), issued and
signed here, unexpired; its sender constraint (a DPoP proof for `cnf.jkt` tokens, the forwarded
TLS certificate for `cnf.x5t#S256` tokens); not revoked; the scope; the client's role; a PSU
behind it when asked.

No database read on the way: the claims carry scope, PSU, consent and grant; the client's name
and roles come from a per-process cache (`AuthServer.client_view`, 30 s); revocation is one
Redis round trip (`core.kv.round_trip`), the MGET of the token's revocation markers sent with
the DPoP replay SET NX and the rate-limit hit, so a revocation holds from the next request in
every worker (`auth.revocation` says what happens when Redis is down or has lost its data: the
database row answers). Without Redis the markers are this process's own, so one primary-key
read of the client's token epoch stops the tokens of a TPP another process cut off.

Failures are problem+json with RFC 6750 / RFC 9449 `WWW-Authenticate` challenges, and an
`error` member carrying the same OAuth error code.

The view then reads `current_access()`; `flask.g.client_id` is set for the rate limiter.
"""

from __future__ import annotations

from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from functools import wraps

import redis
from flask import current_app, g, request

from auth import dpop, mtls, registry, revocation, tokens
from auth.dpop_nonce import NonceRequired
from auth.jose import ALGORITHMS
from auth.scopes import parse_scope
from core.errors import Problem, ServiceUnavailable
from core.kv import round_trip
from core.ratelimit import RequestLimit

ALGS = " ".join(ALGORITHMS)


@dataclass(frozen=True)
class AccessContext:
    """Who is calling: the TPP, and the PSU and consent when the token carries them."""

    client_id: str
    client_name: str
    roles: frozenset[str]
    scope: frozenset[str]
    psu_id: str | None
    consent_id: str | None
    token_id: str


class InvalidToken(Problem):
    slug = "invalid-token"


class InsufficientScope(Problem):
    slug = "insufficient-scope"


def _quote(text: str) -> str:
    return text.replace("\\", "").replace('"', "'")


def _challenge(scheme: str | None, error: str | None = None, description: str = "",
               scope: str | None = None) -> dict[str, str]:
    if scheme is None:
        return {"WWW-Authenticate": f'Bearer realm="api", DPoP realm="api", algs="{ALGS}"'}
    params = []
    if error:
        params.append(f'error="{error}"')
    if description:
        params.append(f'error_description="{_quote(description)}"')
    if scope:
        params.append(f'scope="{scope}"')
    if scheme == "DPoP":
        params.append(f'algs="{ALGS}"')
    return {"WWW-Authenticate": f"{scheme} " + ", ".join(params)}


def _invalid(scheme, description, error="invalid_token") -> InvalidToken:
    return InvalidToken(description, headers=_challenge(scheme, error, description), error=error)


def authenticate(scope: str, roles: tuple[str, ...] = (), psu: bool = False,
                 limit: RequestLimit | None = None) -> AccessContext:
    server = current_app.extensions["auth"]
    header = request.headers.get("Authorization", "")
    if not header:
        raise InvalidToken("An access token is required.", headers=_challenge(None),
                           error="invalid_token")
    raw_scheme, _, token = header.partition(" ")
    scheme = {"dpop": "DPoP", "bearer": "Bearer"}.get(raw_scheme.lower())
    token = token.strip()
    if scheme is None or not token:
        raise InvalidToken("Send the token as `DPoP <token>` or `Bearer <token>`.",
                           headers=_challenge(None), error="invalid_request")
    try:
        claims = tokens.verify_access_token(server.keys, token, issuer=server.issuer)
    except tokens.TokenError as exc:
        raise _invalid(scheme, str(exc)) from exc
    replay = _check_binding(server, scheme, token, claims["cnf"])
    g.rate_window = None
    access = _fast_access(server, scheme, claims, replay, limit)
    if access is None:
        access = _recorded_access(scheme, claims)
        if limit is not None and g.rate_window is None:
            g.rate_window = limit.count_here(access.client_id, _operation())
    if scope not in access.scope:
        raise InsufficientScope(
            f"This operation needs the scope {scope!r}.", error="insufficient_scope",
            headers=_challenge(scheme, "insufficient_scope", scope=scope))
    if roles and not access.roles & set(roles):
        raise Problem(f"This operation is for clients with the role {' or '.join(roles)}.",
                      slug="forbidden")
    if psu and access.psu_id is None:
        raise Problem("This operation needs a token a customer authorised (authorization_code"
                      " grant), not a client-credentials token.", slug="forbidden")
    return access


def _fast_access(server, scheme: str, claims: dict, replay: str | None,
                 limit: RequestLimit | None = None) -> AccessContext | None:
    """From the token's claims, the cached client and one Redis round trip (DPoP replay SET NX,
    the revocation markers and the operation's rate-limit hit together). None when the
    database must answer instead: a token from before `gid` existed, Redis without its
    markers, or Redis down for an mTLS token (the limit is then counted in this process)."""
    fast = isinstance(claims.get("gid"), str) and isinstance(claims.get("client_id"), str)
    commands: list[tuple] = []
    if replay is not None:
        commands.append(("SET", replay, 1, "NX", "EX", dpop.REPLAY_SECONDS))
    if fast:
        commands.append(("MGET", *revocation.marker_keys(claims)))
        counted = limit.queue(commands, claims["client_id"], _operation()) \
            if limit is not None else None
    try:
        answers = round_trip(server.redis, commands) if commands else []
    except redis.RedisError as exc:
        if replay is not None:  # the replay cache cannot answer: fail closed
            raise ServiceUnavailable("The replay cache is unavailable; retry shortly.",
                                     headers={"Retry-After": "5"}) from exc
        return None  # certificate-bound: the database row decides
    if replay is not None and not answers.pop(0):
        raise _invalid(scheme, "DPoP proof replayed", "invalid_dpop_proof")
    if not fast:
        return None
    ready, *marks = answers[0]
    if any(marks):
        raise _invalid(scheme, "the access token is revoked or expired")
    if counted is not None:  # counted in Redis: judged here, never counted again
        g.rate_window = limit.judge(counted, answers[1])
    if ready is None:
        _rebuild_markers(server)
        return None
    if limit is not None and counted is None:
        g.rate_window = limit.count_here(claims["client_id"], _operation())
    if not server.revocations.shared and _epoch_refuses(claims):
        raise _invalid(scheme, "the access token is revoked or expired")
    client = server.client_view(claims["client_id"])
    if client is None:
        raise _invalid(scheme, "the access token is revoked or expired")
    return AccessContext(
        client_id=client.client_id, client_name=client.name, roles=client.roles,
        scope=parse_scope(claims.get("scope")), psu_id=claims.get("psu_id"),
        consent_id=claims.get("consent_id"), token_id=claims["jti"],
    )


def _epoch_refuses(claims: dict) -> bool:
    """The client's token epoch, read on a pooled connection of its own: lighter than a
    session, and the view's transaction stays untouched."""
    with current_app.extensions["engine"].connect() as conn:
        return revocation.epoch_refuses(conn, claims)


def _operation() -> str:
    """What a rate limit is counted per, besides the client: the view's endpoint."""
    return request.endpoint or request.path


def _recorded_access(scheme: str, claims: dict) -> AccessContext:
    """The token's row and the client's registration, read from the database."""
    factory = current_app.extensions["session_factory"]
    with factory() as session:
        record = tokens.active_record(session, claims["jti"])
        client = registry.get_client(session, claims.get("client_id"))
        if record is None or client is None:
            raise _invalid(scheme, "the access token is revoked or expired")
        return AccessContext(
            client_id=client.client_id, client_name=client.name,
            roles=frozenset(client.roles), scope=parse_scope(record.scope),
            psu_id=record.psu_id, consent_id=record.consent_id, token_id=record.id,
        )


def _rebuild_markers(server) -> None:
    try:
        with current_app.extensions["session_factory"]() as session:
            server.revocations.rebuild(session)
    except redis.RedisError:
        pass  # the next check tries again; this one is answered by the database


def _check_binding(server, scheme: str, token: str, cnf: dict) -> str | None:
    """Check the sender constraint; for DPoP, return the proof's replay-cache key (the caller
    sets it in the round trip that also reads the revocation markers)."""
    if "jkt" in cnf:
        if scheme != "DPoP":
            raise _invalid(scheme, "a DPoP-bound token must be sent with the DPoP scheme")
        proofs = request.headers.getlist("DPoP")
        if len(proofs) != 1:
            raise _invalid(scheme, "send exactly one DPoP proof", "invalid_dpop_proof")
        try:
            proof = dpop.verify_proof(proofs[0], method=request.method,
                                      url=server.issuer + _sent_path(),
                                      redis_client=None, access_token=token)
        except dpop.DpopError as exc:
            raise _invalid(scheme, str(exc), "invalid_dpop_proof") from exc
        if proof.jkt != cnf["jkt"]:
            raise _invalid(scheme, "the DPoP proof is signed by another key than the token's")
        _require_nonce(proofs[0])
        return dpop.replay_key(proof.jkt, proof.jti)
    if "x5t#S256" in cnf:
        if scheme != "Bearer":
            raise _invalid(scheme, "a certificate-bound token must be sent with Bearer")
        try:
            presented = mtls.header_thumbprint(request.headers.get(server.cert_header))
        except mtls.CertificateError as exc:
            raise _invalid(scheme, str(exc)) from exc
        if presented is None or presented != cnf["x5t#S256"]:
            raise _invalid(scheme, "the TLS client certificate is not the token's")
        return None
    raise _invalid(scheme, "the access token is not sender-constrained")


def _require_nonce(proof: str) -> None:
    """RFC 9449 §9, when DPOP_NONCE=all: 401 `use_dpop_nonce` carrying a fresh `DPoP-Nonce`."""
    nonces = current_app.extensions["auth.dpop_nonces"]
    if not nonces.at_resources:
        return
    try:
        nonces.check(proof)
    except NonceRequired as exc:
        headers = {**_challenge("DPoP", "use_dpop_nonce", exc.description),
                   "DPoP-Nonce": exc.nonce}
        raise InvalidToken(exc.description, headers=headers, error="use_dpop_nonce") from exc


def require_token(scope: str, roles: tuple[str, ...] = (), psu: bool = False,
                  limit: Callable[[], str] | None = None):
    """Decorate a view (or MethodView method). Any of `roles` suffices; `psu=True` refuses
    client-credentials tokens; `limit` (a callable giving e.g. "600/minute") limits each client
    on this operation, counted in the token check's Redis round trip (`core.ratelimit`).
    Also documents the operation's security and 401/403 (and 429) answers."""
    request_limit = RequestLimit(limit) if limit is not None else None

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            g.access = authenticate(scope, tuple(roles), psu, request_limit)
            g.client_id = g.access.client_id
            return view(*args, **kwargs)

        doc = deepcopy(getattr(view, "_apidoc", {}))
        doc.setdefault("manual_doc", {})["security"] = [{"oauth2": [scope]}]
        responses = doc.setdefault("response", {}).setdefault("responses", {})
        responses.setdefault(401, ["UNAUTHORIZED"])
        responses.setdefault(403, ["FORBIDDEN"])
        if request_limit is not None:
            responses.setdefault(429, ["TOO_MANY_REQUESTS"])
        wrapper._apidoc = doc
        return wrapper

    return decorator


def current_access() -> AccessContext:
    access = g.get("access")
    if access is None:
        raise RuntimeError("current_access() outside a view decorated with require_token")
    return access


def _sent_path() -> str:
    environ = request.environ
    return dpop.request_path(environ.get("RAW_URI") or environ.get("REQUEST_URI"),
                             environ.get("SCRIPT_NAME", ""), request.path)
