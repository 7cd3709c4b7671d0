"""Payee checks as personal data (see core.personal_data): the check audit keeps no names, only
keyed hashes, so a check "names" a PSU where its name hash is the hash of the PSU's name. An
access request lists those checks (who asked, when, with what outcome); erasure drops the name
hash from them, so they no longer link to the person; the purge removes audit rows past
retention."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from cop.check_audit import keyed_hash
from cop.models import CheckAudit
from cop.normalise import normalise
from core.personal_data import PurgeWindow, Subject


class PayeeChecks:
    kind = "payee_checks"
    retention_setting = "RETENTION_PAYEE_CHECK_AUDIT_DAYS"

    def __init__(self, audit_key: bytes) -> None:
        self.audit_key = audit_key

    def _hashes(self, subject: Subject) -> list[str]:
        names = {n for n in (subject.display_name, subject.username) if n}
        return [keyed_hash(self.audit_key, normalise(n)) for n in sorted(names)]

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        hashes = self._hashes(subject)
        if not hashes:
            return []
        rows = session.scalars(select(CheckAudit).where(CheckAudit.name_hash.in_(hashes))
                               .order_by(CheckAudit.created_at, CheckAudit.id))
        return [{"client_id": r.client_id, "scheme": r.scheme, "outcome": r.outcome,
                 "reason_code": r.reason_code, "name_disclosed": r.name_disclosed,
                 "at": r.created_at.isoformat()} for r in rows]

    def erase(self, session: Session, subject: Subject) -> int:
        hashes = self._hashes(subject)
        if not hashes:
            return 0
        return session.execute(update(CheckAudit).where(CheckAudit.name_hash.in_(hashes))
                               .values(name_hash=None)).rowcount

    def purge(self, session: Session, window: PurgeWindow) -> int:
        ids = list(session.scalars(select(CheckAudit.id).where(
            CheckAudit.created_at < window.before).order_by(CheckAudit.id).limit(window.batch)))
        if ids:
            session.execute(delete(CheckAudit).where(CheckAudit.id.in_(ids)))
        return len(ids)
