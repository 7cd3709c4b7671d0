"""A TPP's regulatory standing: its eIDAS identity, checked against the regulators' registers.

A client registered with an eIDAS certificate has a `TppIdentity` row: its organizationIdentifier
and the PSD2 roles it uses. The registers (`auth.registers`) say what its regulator authorises.
When they disagree — authorisation withdrawn, the entry gone, or a role it uses missing — the
TPP is cut off in one transaction: the identity is marked `withdrawn` (the token endpoint reads
it, so no worker issues it another token), every live token it holds is revoked (the revocation
markers stop them on the next call in every worker sharing Redis; its raised token epoch
stops them in a worker without Redis) and an audit event is written, which the
operator's webhook then carries (`auth.identity_webhook`).

An identity whose authority no import has covered yet cannot be judged: it stays active and is
listed as "at risk" by `flask registers status`. Banks (PSP_AS) are not in the PSD2 register;
that role is never held against them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography import x509
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth import mtls, revocation, tokens
from auth.identity_models import RegisterEntry, RegisterImport, TppIdentity, TppIdentityEvent
from auth.models import IssuedToken
from auth.registers import Entry
from core.db import unit_of_work, utcnow

NOT_IN_REGISTERS = frozenset({"PSP_AS"})
FLUSH_EVERY = 1000


@dataclass
class ImportResult:
    import_id: int
    entries: int
    authorities: list[str]
    cut_off: list[str] = field(default_factory=list)
    reinstated: list[str] = field(default_factory=list)


def authority_of(identity: TppIdentity) -> str:
    """`GB-FCA` from the register key `PSDGB-FCA-…`."""
    country_and_authority = identity.register_key[3:].split("-")
    return f"{country_and_authority[0]}-{country_and_authority[1]}"


def covered_authorities(session: Session) -> set[str]:
    covered: set[str] = set()
    for authorities in session.scalars(select(RegisterImport.authorities)):
        covered.update(authorities or ())
    return covered


def judge(identity: TppIdentity, entry: RegisterEntry | None, covered: set[str]) -> str | None:
    """Why the registers refuse this TPP, or None (also when no register covers it yet)."""
    needs = set(identity.psd2_roles) - NOT_IN_REGISTERS
    if not needs or authority_of(identity) not in covered:
        return None
    if entry is None:
        return (f"{identity.organization_identifier} is not in the {authority_of(identity)} "
                "register")
    if not entry.authorised:
        return f"{identity.organization_identifier}'s authorisation is withdrawn by its regulator"
    missing = sorted(needs - set(entry.psd2_roles))
    if missing:
        return (f"the register does not authorise {identity.organization_identifier} for "
                f"{', '.join(missing)}")
    return None


def check_identity(session: Session, identity: TppIdentity) -> str | None:
    """A registration's check at once against the last imports."""
    entry = session.get(RegisterEntry, identity.register_key)
    identity.register_checked_at = utcnow()
    return judge(identity, entry, covered_authorities(session))


def refusal(session: Session, client_id: str) -> str | None:
    """Why this client may not have tokens now (its regulator withdrew it), or None."""
    identity = session.get(TppIdentity, client_id)
    if identity is not None and identity.status != "active":
        return identity.status_reason or "the TPP's authorisation is withdrawn"
    return None


def identity_of(session: Session, client_id: str) -> TppIdentity | None:
    return session.get(TppIdentity, client_id)


def remember_certificate(identity: TppIdentity, cert: x509.Certificate) -> None:
    """Keep the QWAC's thumbprint, subject, serial number and expiry on the identity."""
    identity.cert_thumbprint = mtls.thumbprint(cert)
    identity.cert_subject = cert.subject.rfc4514_string()[:500]
    identity.cert_serial = format(cert.serial_number, "x")[:64]
    identity.cert_not_after = cert.not_valid_after_utc


def renewed_certificate(session: Session, client_id: str, cert: x509.Certificate) -> None:
    """A TPP authenticated with a valid QWAC other than the one on record (renewed): record
    it, so that expiry warnings follow the certificate in use."""
    identity = session.get(TppIdentity, client_id)
    if identity is not None and identity.cert_thumbprint != mtls.thumbprint(cert):
        with unit_of_work(session):
            remember_certificate(identity, cert)


def record_event(session: Session, client_id: str, kind: str, detail: dict) -> None:
    session.add(TppIdentityEvent(client_id=client_id, kind=kind, detail=detail, at=utcnow()))


def revoke_client_tokens(session: Session, client_id: str) -> int:
    grants = session.scalars(select(IssuedToken.grant_id).distinct().where(
        IssuedToken.client_id == client_id, IssuedToken.revoked_at.is_(None),
        IssuedToken.expires_at > utcnow())).all()
    return sum(tokens.revoke_grant(session, grant) for grant in grants)


def cut_off(session: Session, identity: TppIdentity, reason: str) -> None:
    identity.status, identity.status_reason = "withdrawn", reason
    revoked = revoke_client_tokens(session, identity.client_id)
    revocation.raise_client_epoch(session, identity.client_id)
    record_event(session, identity.client_id, "cut_off", {
        "organization_identifier": identity.organization_identifier, "reason": reason,
        "tokens_revoked": revoked})


def reinstate(session: Session, identity: TppIdentity) -> None:
    identity.status, identity.status_reason = "active", None
    record_event(session, identity.client_id, "reinstated",
                 {"organization_identifier": identity.organization_identifier})


def import_entries(session: Session, source: str, file_name: str, entries: Iterable[Entry]
                   ) -> ImportResult:
    """Store a register's entries (upsert: importing the same file twice changes nothing
    more), then judge every identity again, all in one transaction."""
    with unit_of_work(session):
        run = RegisterImport(source=source, file_name=file_name[-500:], authorities=[],
                             entries=0, cut_off=0, finished_at=utcnow())
        session.add(run)
        session.flush()
        authorities: set[str] = set()
        batch: list[Entry] = []
        for entry in entries:
            authorities.add(entry.authority)
            batch.append(entry)
            if len(batch) == FLUSH_EVERY:
                run.entries += _upsert(session, batch, run.id)
                batch = []
        run.entries += _upsert(session, batch, run.id)
        session.flush()
        run.authorities = sorted(authorities)
        result = ImportResult(run.id, run.entries, run.authorities)
        _rejudge(session, result)
        run.cut_off, run.finished_at = len(result.cut_off), utcnow()
    return result


def _upsert(session: Session, batch: list[Entry], import_id: int) -> int:
    """Insert or update a batch of entries with one SELECT; rows leave the session after the
    flush, so memory stays flat whatever the register's size."""
    keys = {entry.register_key for entry in batch}
    rows = {row.register_key: row for row in session.scalars(
        select(RegisterEntry).where(RegisterEntry.register_key.in_(keys)))} if keys else {}
    for entry in batch:
        row = rows.get(entry.register_key)
        if row is None:
            row = rows[entry.register_key] = RegisterEntry(register_key=entry.register_key)
            session.add(row)
        row.source, row.authority, row.name = entry.source, entry.authority, entry.name
        row.psd2_roles, row.authorised = list(entry.psd2_roles), entry.authorised
        row.import_id, row.updated_at = import_id, utcnow()
    session.flush()
    for row in rows.values():
        session.expunge(row)
    return len(batch)


def _rejudge(session: Session, result: ImportResult) -> None:
    covered = covered_authorities(session) | set(result.authorities)
    for identity in session.scalars(select(TppIdentity)):
        reason = judge(identity, session.get(RegisterEntry, identity.register_key), covered)
        identity.register_checked_at = utcnow()
        if reason and identity.status == "active":
            cut_off(session, identity, reason)
            result.cut_off.append(identity.client_id)
        elif reason is None and identity.status == "withdrawn":
            reinstate(session, identity)
            result.reinstated.append(identity.client_id)


@dataclass
class RegisterStatus:
    last_imports: list[RegisterImport]
    withdrawn: list[TppIdentity]
    unverified: list[TppIdentity]
    undelivered_events: int
    covered: set[str] = field(default_factory=set)
    # active TPPs whose QWAC expires within the window asked for (or has expired)
    expiring: list[TppIdentity] = field(default_factory=list)


def register_status(session: Session, *, stale_after: dt.timedelta = dt.timedelta(days=7),
                    expiring_within: dt.timedelta = dt.timedelta(days=30)) -> RegisterStatus:
    """Last import per source, and the TPPs at risk: cut off, not checked against any
    register (its authority never imported, or not checked for `stale_after`), or holding a
    QWAC that expires within `expiring_within`."""
    latest = select(RegisterImport.source, func.max(RegisterImport.id)).group_by(
        RegisterImport.source)
    imports = [session.get(RegisterImport, row[1]) for row in session.execute(latest)]
    covered = covered_authorities(session)
    identities = list(session.scalars(select(TppIdentity).order_by(TppIdentity.created_at)))
    withdrawn = [i for i in identities if i.status != "active"]
    horizon = utcnow() - stale_after
    unverified = [i for i in identities if i.status == "active" and (
        authority_of(i) not in covered or i.register_checked_at is None
        or i.register_checked_at < horizon) and set(i.psd2_roles) - NOT_IN_REGISTERS]
    undelivered = session.scalar(select(func.count()).select_from(TppIdentityEvent).where(
        TppIdentityEvent.webhook_delivered_at.is_(None))) or 0
    soon = utcnow() + expiring_within
    expiring = sorted((i for i in identities if i.status == "active" and i.cert_not_after
                       and i.cert_not_after <= soon), key=lambda i: i.cert_not_after)
    return RegisterStatus(imports, withdrawn, unverified, undelivered, covered, expiring)
