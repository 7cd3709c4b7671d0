"""Where eIDAS certificates and software statements meet the TPP registry.

At `POST /register` (RFC 7591):
- a `software_statement` from the configured directory may stand in for the operator's initial
  access token; its software id, organisation, roles, redirect URIs and keys are taken from it;
- the TLS client certificate (a QWAC, forwarded by the trusted proxy) is validated when QTSP
  trust anchors are configured, and must be present when EIDAS_REQUIRED is on; its PSD2 roles
  bound the roles: a statement asking for more is `unapproved_software_statement`;
- the new registration is checked at once against the imported registers.
At client authentication (`/token`, `/par`, …): a TPP its regulator withdrew is `invalid_client`;
with EIDAS_REQUIRED, so is a client registered without a certificate; a QWAC presented must
still be valid (chain, expiry, revocation) and name the registered organisation.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from auth import identity, mtls, registry
from auth.eidas import (
    PSD2_SERVICE_ROLES,
    Psd2AttributeError,
    Psd2Identity,
    psd2_identity,
    service_roles,
)
from auth.eidas_trust import EidasError, EidasVerifier, RevocationChecker, load_trust_anchors
from auth.errors import invalid_client
from auth.identity_models import TppIdentity
from auth.models import RegistrationToken, TppClient
from auth.registers import key_of_organization_identifier
from auth.software_statement import Directory, SoftwareStatement, SoftwareStatementError, unapproved
from core.db import unit_of_work, utcnow
from core.ttlcache import TtlCache

RegistrationError = registry.RegistrationError
# Roles a PSD2 TPP holds here; with EIDAS_REQUIRED a client holding one needs an eIDAS identity.
PSD2_TPP_ROLES = frozenset({"AISP", "COP"})


@dataclass
class EidasSetup:
    verifier: EidasVerifier | None = None
    directory: Directory | None = None
    required: bool = False
    # per client and JWK Set, why its QSealCs are refused (or None): a chain check costs
    # milliseconds, and a TPP signs every message with the same keys
    seal_judgements: TtlCache = field(default_factory=lambda: TtlCache(30.0))

    def seal_refusal(self, client_id: str, jwks: dict, judge) -> str | None:
        digest = hashlib.sha256(json.dumps(jwks, sort_keys=True).encode()).hexdigest()
        return self.seal_judgements.get((client_id, digest), judge)

    @property
    def checks_certificates(self) -> bool:
        return self.verifier is not None and self.verifier.configured


def setup_from_config(config, jwks_fetcher) -> EidasSetup:
    """The eIDAS settings made objects; a bad trust-anchor or key file stops the start."""
    revocation = RevocationChecker(mode=config["EIDAS_REVOCATION"],
                                   fail_closed=bool(config["EIDAS_FAIL_CLOSED"]),
                                   cache_seconds=float(config["EIDAS_REVOCATION_CACHE_SECONDS"]))
    return EidasSetup(
        verifier=EidasVerifier(load_trust_anchors(config["EIDAS_TRUST_ANCHORS"]), revocation),
        directory=Directory.from_settings(
            config["SOFTWARE_STATEMENT_ISSUER"], config["SOFTWARE_STATEMENT_JWKS"],
            lambda url: jwks_fetcher.keys(url, registry.validate_jwks)),
        required=bool(config["EIDAS_REQUIRED"]),
        seal_judgements=TtlCache(float(config["CLIENT_CACHE_SECONDS"])))


def _claims_psd2(cert) -> bool:
    try:
        return psd2_identity(cert).statement is not None
    except Psd2AttributeError:
        return True  # a malformed claim is still a claim: the check refuses it


def _certificate_identity(setup: EidasSetup, chain, strict: bool) -> Psd2Identity | None:
    """The QWAC's identity. Checked when eIDAS is required, when a software statement relies
    on it, or when it claims PSD2 roles; otherwise an ordinary TLS client certificate (a
    token registration's `tls_client_auth`) passes unjudged, as before eIDAS."""
    if chain and setup.checks_certificates and (strict or setup.required
                                                or _claims_psd2(chain[0])):
        try:
            return setup.verifier.verify(chain)
        except EidasError as exc:
            raise RegistrationError("invalid_client_metadata",
                                    f"the TLS client certificate is refused: {exc}") from exc
    if setup.required:
        raise RegistrationError("invalid_client_metadata", "register over mutual TLS with a "
                                "QWAC carrying the PSD2 QC statement (EIDAS_REQUIRED)")
    return None


def _statement(setup: EidasSetup, metadata) -> SoftwareStatement | None:
    if not isinstance(metadata, dict) or "software_statement" not in metadata:
        return None
    if setup.directory is None:
        raise unapproved("this server trusts no directory's software statements")
    return setup.directory.verify(metadata["software_statement"])


def _metadata_from(statement: SoftwareStatement, metadata: dict) -> dict:
    """RFC 7591 §2.3: values in the statement take precedence over those sent next to it;
    redirect URIs sent must be among the statement's."""
    merged = {k: v for k, v in metadata.items() if k != "software_statement"}
    asked = merged.get("redirect_uris")
    if statement.redirect_uris:
        if asked is not None and not (isinstance(asked, list)
                                      and set(asked) <= set(statement.redirect_uris)):
            raise RegistrationError("invalid_redirect_uri", "redirect_uris must be among the "
                                    "software statement's software_redirect_uris")
        merged["redirect_uris"] = asked or list(statement.redirect_uris)
    merged["client_name"] = statement.client_name
    if statement.jwks is not None or statement.jwks_uri is not None:
        merged.pop("jwks", None)
        merged.pop("jwks_uri", None)
        merged.update({"jwks": statement.jwks} if statement.jwks is not None
                      else {"jwks_uri": statement.jwks_uri})
    return merged


def register(session: Session, setup: EidasSetup, initial: RegistrationToken | None, metadata,
             chain) -> TppClient:
    """A dynamic registration, with whatever identity the request proves; one transaction."""
    try:
        statement = _statement(setup, metadata)
    except SoftwareStatementError as exc:
        raise RegistrationError(exc.error, exc.description) from exc
    cert = _certificate_identity(setup, chain, strict=statement is not None)
    if statement is None:
        if initial is None:
            raise RegistrationError("invalid_client_metadata", "a software statement or an "
                                    "initial access token is required")
        psd2_roles = cert.psd2_roles if cert else ()
        granted = initial.roles
        if cert is not None and not set(granted) <= set(cert.service_roles):
            raise RegistrationError("invalid_client_metadata", "the registration token grants "
                                    "roles the certificate's PSD2 roles do not")
        return _store(session, initial, metadata, granted, cert, None, psd2_roles, chain)
    psd2_roles = statement.psd2_roles
    if cert is not None:
        beyond = sorted(set(psd2_roles) - set(cert.psd2_roles))
        if beyond:
            raise RegistrationError("unapproved_software_statement", "the software statement "
                                    f"claims roles beyond the certificate: {', '.join(beyond)}")
    granted = service_roles(psd2_roles)
    if not granted:
        raise RegistrationError("unapproved_software_statement", "none of the statement's "
                                "roles is one this service offers (PSP_AI, PSP_PI, PSP_AS)")
    return _store(session, initial, _metadata_from(statement, metadata), granted, cert,
                  statement, psd2_roles, chain)


class _Unsaved:
    """Stands in for an initial access token when a software statement authorises."""

    def __init__(self, roles) -> None:
        self.roles, self.used_at, self.client_id = list(roles), None, None


def _store(session, initial, metadata, granted, cert, statement, psd2_roles, chain
           ) -> TppClient:
    """The client (with the roles granted), its identity and its first register check. The
    identity keeps the PSD2 roles the client uses here, so the register is asked about those
    only (not, say, about PSP_IC, which grants nothing here)."""
    psd2_roles = [role for role in psd2_roles if set(PSD2_SERVICE_ROLES[role]) & set(granted)]
    with unit_of_work(session):
        client = registry.register_dynamic(session, _Unsaved(granted), metadata)
        if initial is not None:
            initial.used_at, initial.client_id = utcnow(), client.client_id
        if cert is None:
            return client
        row = TppIdentity(
            client_id=client.client_id, organization_identifier=cert.organization_identifier,
            register_key=key_of_organization_identifier(cert.organization_identifier),
            nca_id=cert.statement.nca_id, psd2_roles=list(psd2_roles),
            software_id=statement.software_id if statement else None,
            directory_org_id=statement.org_id if statement else None,
            status="active", created_at=utcnow())
        identity.remember_certificate(row, chain[0])
        session.add(row)
        reason = identity.check_identity(session, row)
        if reason:
            raise RegistrationError("unapproved_software_statement" if statement
                                    else "invalid_client_metadata", reason)
        identity.record_event(session, client.client_id, "registered", {
            "organization_identifier": row.organization_identifier,
            "psd2_roles": list(psd2_roles), "software_id": row.software_id})
    return client


def enforce(session: Session, setup: EidasSetup, client: TppClient, cert_header: str | None
            ) -> None:
    """Client authentication's last step: `invalid_client` for a reason of `check_client`."""
    try:
        chain = mtls.chain_from_header(cert_header)
    except mtls.CertificateError as exc:
        raise invalid_client(str(exc)) from exc
    reason = check_client(session, setup, client, chain)
    if reason:
        raise invalid_client(reason)
    if chain and setup.checks_certificates:  # verified by check_client when it has identity
        identity.renewed_certificate(session, client.client_id, chain[0])


def check_client(session: Session, setup: EidasSetup, client: TppClient, chain) -> str | None:
    """Why an authenticated client may not proceed, or None."""
    reason = identity.refusal(session, client.client_id)
    if reason:
        return reason
    row = identity.identity_of(session, client.client_id)
    if row is None:
        if setup.required and set(client.roles) & PSD2_TPP_ROLES:
            return "the client is registered without an eIDAS certificate (EIDAS_REQUIRED)"
        return None
    if chain and setup.checks_certificates:
        try:
            presented = setup.verifier.verify(chain)
        except EidasError as exc:
            return f"the TLS client certificate is refused: {exc}"
        if presented.organization_identifier != row.organization_identifier:
            return "the TLS client certificate names another organisation"
        if not set(row.psd2_roles) <= set(presented.psd2_roles):
            return "the TLS client certificate no longer carries the PSD2 roles registered"
    elif setup.required:
        return "present your QWAC over mutual TLS (EIDAS_REQUIRED)"
    return None
