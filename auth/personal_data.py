"""The authorisation server's kinds of personal data (see core.personal_data): the PSU's
account (profile) and the tokens issued on their behalf, with the short-lived pushed requests
and authorisation codes in Redis that name them."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from auth import tokens
from auth.models import IssuedToken, PsuAccount
from core.personal_data import PurgeWindow, Subject, purge_expired


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


class Profile:
    """The PSU's sign-in account. Erased by deleting it: nothing else refers to its row."""

    kind = "profile"
    retention_setting = None  # kept while the PSU has an account

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        account = session.get(PsuAccount, subject.psu_id)
        if account is None:
            return []
        return [{"psu_id": account.id, "username": account.username,
                 "display_name": account.display_name, "created_at": _iso(account.created_at),
                 "locked_until": _iso(account.locked_until)}]

    def erase(self, session: Session, subject: Subject) -> int:
        return session.execute(delete(PsuAccount).where(
            PsuAccount.id == subject.psu_id)).rowcount

    def purge(self, session: Session, window: PurgeWindow) -> int:
        return 0


class Tokens:
    """Access and refresh tokens issued with the PSU's authority (their records, never the
    token values, which are not stored). Erasure revokes every one, so a TPP's next call with
    any of them fails, and keeps the record under the pseudonym."""

    kind = "tokens"
    retention_setting = "RETENTION_TOKEN_RECORDS_DAYS"

    def __init__(self, redis) -> None:
        self.redis = redis

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        rows = session.scalars(select(IssuedToken).where(IssuedToken.psu_id.in_(subject.ids))
                               .order_by(IssuedToken.issued_at, IssuedToken.id))
        return [{"kind": r.kind, "client_id": r.client_id, "consent_id": r.consent_id,
                 "scope": r.scope, "issued_at": _iso(r.issued_at),
                 "expires_at": _iso(r.expires_at), "revoked_at": _iso(r.revoked_at)}
                for r in rows]

    def erase(self, session: Session, subject: Subject) -> int:
        grants = set(session.scalars(select(IssuedToken.grant_id).where(
            IssuedToken.psu_id.in_(subject.ids), IssuedToken.revoked_at.is_(None))))
        for grant_id in sorted(grants):  # marks each grant revoked for every worker at once
            tokens.revoke_grant(session, grant_id)
        changed = session.execute(update(IssuedToken).where(
            IssuedToken.psu_id == subject.psu_id).values(psu_id=subject.pseudonym)).rowcount
        return changed + self._forget_pending(subject)

    def _forget_pending(self, subject: Subject) -> int:
        """Pushed requests and unredeemed codes naming the PSU (minutes-long, but erasure
        leaves nothing behind)."""
        doomed = []
        for pattern in ("par:*", "code:*"):
            for key in self.redis.scan_iter(match=pattern, count=500):
                raw = self.redis.get(key)
                try:
                    found = json.loads(raw) if raw else {}
                except ValueError:
                    continue
                if isinstance(found, dict) and found.get("psu_id") in subject.ids:
                    doomed.append(key)
        return int(self.redis.delete(*doomed)) if doomed else 0

    def purge(self, session: Session, window: PurgeWindow) -> int:
        return purge_expired(session, IssuedToken, window)
