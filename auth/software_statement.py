"""Software statements (RFC 7591 §2.3) from a configured directory, as the UK OB Directory
issues them: a JWT signed by the directory (ES256 or PS256, `kid` naming its key) vouching for
a TPP's software — its id, organisation, roles, redirect URIs and keys.

Refusals use RFC 7591 §3.2.2's codes:
- `invalid_software_statement`: not a JWT, bad signature, expired, issued in the future,
  missing or malformed claims;
- `unapproved_software_statement`: well formed but not vouched for here — signed by a key that
  is not the directory's, issued by another `iss`, the organisation or software not `Active`,
  or roles beyond what the TPP's eIDAS certificate (or its regulator) grants.

Roles may be written the OB Directory way (`AISP`, `PISP`, `CBPII`, `ASPSP`) or as the PSD2
roles of ETSI TS 119 495 (`PSP_AI`, …); both become PSD2 roles, then this service's roles
through `auth.eidas.service_roles`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from joserfc.errors import JoseError

from auth.jose import MalformedJwt, import_public_jwk, key_fits_alg, peek_signed, verify
from auth.registry import RegistrationError

DIRECTORY_ROLES = {"AISP": "PSP_AI", "PISP": "PSP_PI", "CBPII": "PSP_IC", "ASPSP": "PSP_AS"}
PSD2_ROLES = ("PSP_AS", "PSP_PI", "PSP_AI", "PSP_IC")
MAX_FUTURE_SKEW = 10


class SoftwareStatementError(RegistrationError, ValueError):
    """A refused statement refuses the registration that carries it, with the same
    `error`/`error_description` (RFC 7591 §3.2.2)."""


def _invalid(description: str) -> SoftwareStatementError:
    return SoftwareStatementError("invalid_software_statement", description)


def unapproved(description: str) -> SoftwareStatementError:
    return SoftwareStatementError("unapproved_software_statement", description)


@dataclass(frozen=True)
class SoftwareStatement:
    software_id: str
    client_name: str
    org_id: str | None
    org_name: str | None
    psd2_roles: tuple[str, ...]
    redirect_uris: tuple[str, ...]
    jwks: dict | None
    jwks_uri: str | None


@dataclass
class Directory:
    """The directory whose statements are accepted: its `iss` and where its keys are."""

    issuer: str
    keys: Callable[[], dict]

    @classmethod
    def from_settings(cls, issuer: str, jwks: str, fetch: Callable[[str], dict]
                      ) -> Directory | None:
        """SOFTWARE_STATEMENT_ISSUER and SOFTWARE_STATEMENT_JWKS (a file, or an https URL
        fetched and cached like a client's jwks_uri); None when either is unset."""
        if not issuer or not jwks:
            return None
        if jwks.startswith("https://"):
            return cls(issuer, lambda: fetch(jwks))
        try:
            data = json.loads(Path(jwks).read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"SOFTWARE_STATEMENT_JWKS: {jwks} is not a readable JWK Set file "
                             f"or an https URL ({exc})") from exc
        return cls(issuer, lambda: data)

    def verify(self, token, now: float | None = None) -> SoftwareStatement:
        now = time.time() if now is None else now
        header, unverified, alg = peek_signed(
            token, _invalid, malformed="software_statement is not a signed JWT",
            bad_alg="software_statement must be signed with PS256 or ES256")
        if unverified.get("iss") != self.issuer:
            raise unapproved(f"software_statement is not issued by the directory "
                             f"{self.issuer!r}")
        key = self._key(header.get("kid"), alg)
        try:
            claims = verify(token, key, alg)
        except (JoseError, ValueError) as exc:
            raise _invalid("software_statement signature is invalid") from exc
        _check_times(claims, now)
        return _statement(claims)

    def _key(self, kid, alg):
        for data in self.keys().get("keys", []):
            if kid is not None and data.get("kid") != kid:
                continue
            try:
                key = import_public_jwk(data)
            except MalformedJwt:
                continue
            if key_fits_alg(key, alg):
                return key
        raise unapproved("software_statement is not signed by a key of the directory")


def _check_times(claims: dict, now: float) -> None:
    exp, iat = claims.get("exp"), claims.get("iat")
    for name, value in (("exp", exp), ("iat", iat)):
        if value is not None and (not isinstance(value, int | float) or isinstance(value, bool)):
            raise _invalid(f"software_statement {name} must be a number")
    if exp is None and iat is None:
        raise _invalid("software_statement needs exp or iat")
    if exp is not None and exp <= now:
        raise _invalid("software_statement has expired")
    if iat is not None and iat > now + MAX_FUTURE_SKEW:
        raise _invalid("software_statement iat is in the future")


def _text(claims: dict, name: str, required: bool = False) -> str | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _invalid(f"software_statement {name} must be a non-empty string")
    return value


def psd2_roles(values) -> tuple[str, ...]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise _invalid("software_statement software_roles must be a list of roles")
    roles = []
    for value in values:
        role = DIRECTORY_ROLES.get(value.upper(), value.upper())
        if role not in PSD2_ROLES:
            raise _invalid(f"software_statement role {value!r} is not a PSD2 role")
        roles.append(role)
    return tuple(dict.fromkeys(roles))


def _statement(claims: dict) -> SoftwareStatement:
    for name in ("org_status", "software_status"):
        status = claims.get(name)
        if status is not None and status != "Active":
            raise unapproved(f"the directory lists this {name.split('_')[0]} as {status!r}")
    redirect_uris = claims.get("software_redirect_uris", [])
    if not isinstance(redirect_uris, list) or not all(isinstance(u, str) for u in redirect_uris):
        raise _invalid("software_statement software_redirect_uris must be a list of URLs")
    jwks = claims.get("software_jwks")
    if jwks is not None and not isinstance(jwks, dict):
        raise _invalid("software_statement software_jwks must be a JWK Set")
    return SoftwareStatement(
        software_id=_text(claims, "software_id", required=True),
        client_name=_text(claims, "software_client_name") or _text(claims, "software_id"),
        org_id=_text(claims, "org_id"), org_name=_text(claims, "org_name"),
        psd2_roles=psd2_roles(claims.get("software_roles")),
        redirect_uris=tuple(redirect_uris), jwks=jwks,
        jwks_uri=_text(claims, "software_jwks_endpoint"))

