"""The registry of personal data sources: one entry per kind of personal data a package keeps,
each with the hooks a data-subject request and the retention purge need. No Flask here.

Each package registers its own kinds in its `init_app` (`register(app, source)`), because only
it knows its tables and keys; the privacy package walks the registry for an access request
(`export`), an erasure (`erase`) and the retention purge (`purge`). A package that starts
keeping personal data (stored transactions, say) adds one entry and is covered by all three.

Pseudonyms are keyed hashes (HMAC-SHA256 under `AUDIT_HASH_KEY`): the same PSU always gets the
same pseudonym, so rows rewritten on erasure still line up with each other and with the audit
trail, while nobody without the key can tell whose they were.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

PSEUDONYM_PREFIX = "p-"


def keyed_hash(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonym(key: bytes, psu_id: str) -> str:
    """The PSU's stable pseudonym: fits every psu_id column (42 characters); idempotent, so
    pseudonymising an already pseudonymised id changes nothing."""
    if psu_id.startswith(PSEUDONYM_PREFIX):
        return psu_id
    return PSEUDONYM_PREFIX + keyed_hash(key, f"psu|{psu_id}")[:40]


@dataclass(frozen=True)
class Subject:
    """One PSU as the sources see them: the id (absent once erased), the pseudonym, and the
    values the scans look for (username, display name)."""

    psu_id: str
    pseudonym: str
    username: str | None = None
    display_name: str | None = None
    key: bytes = field(default=b"", repr=False)

    @property
    def ids(self) -> tuple[str, ...]:
        """Every id the PSU's rows may carry: before erasure the id, after it the pseudonym."""
        return (self.psu_id, self.pseudonym)


@dataclass(frozen=True)
class PurgeWindow:
    """What a retention purge may remove: records of this kind older than `before`, at most
    `batch` per round."""

    now: dt.datetime
    before: dt.datetime
    batch: int


def purge_expired(session: Session, model: Any, window: PurgeWindow) -> int:
    """Delete up to `window.batch` rows of `model` whose `expires_at` is before
    `window.before`: the purge of every kind that simply lapses; return how many went."""
    ids = list(session.scalars(select(model.id).where(
        model.expires_at < window.before).limit(window.batch)))
    if ids:
        session.execute(delete(model).where(model.id.in_(ids)))
    return len(ids)


class PersonalDataSource(Protocol):
    """One kind of personal data. `kind` names it in exports, erasure steps and metrics;
    `retention_setting` names its row in the settings table (None: kept while the consent or
    account it belongs to lives, erased with the PSU)."""

    kind: str
    retention_setting: str | None

    def export(self, session: Session, subject: Subject) -> list[dict[str, Any]]:
        """Every record of this kind about `subject`, as JSON-ready dicts (never tokens)."""

    def erase(self, session: Session, subject: Subject) -> int:
        """Delete or pseudonymise this kind for `subject`, inside the caller's unit of work;
        return how many records changed. Must be idempotent (a resumed erasure runs it again)."""

    def purge(self, session: Session, window: PurgeWindow) -> int:
        """Remove up to `window.batch` records past retention, inside the caller's unit of
        work; return how many (0 when nothing is due)."""


def register(app: Any, source: PersonalDataSource) -> None:
    app.extensions.setdefault("personal_data_sources", []).append(source)


def sources(app: Any) -> list[PersonalDataSource]:
    return list(app.extensions.get("personal_data_sources", []))


def hash_key(app: Any) -> bytes:
    """AUDIT_HASH_KEY; else a key kept in the instance folder so pseudonyms stay stable across
    restarts (a random one per app under tests)."""
    found = app.extensions.get("personal_data_key")
    if found is not None:
        return found
    configured = app.config.get("AUDIT_HASH_KEY") or ""
    if configured:
        key = configured.encode("utf-8")
    elif app.config.get("TESTING"):
        key = secrets.token_bytes(32)
    else:
        path = Path(app.instance_path) / "pseudonym.key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(32))
        key = path.read_bytes()
    return app.extensions.setdefault("personal_data_key", key)
