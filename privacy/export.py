"""Access requests (GDPR Art. 15 and 20): everything the service holds about one PSU, as one
JSON document whose shape is docs/psu-export.schema.json, gathered from every registered
personal data source (core.personal_data) in one read-only transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.personal_data import PersonalDataSource
from privacy.subjects import subject_for

SCHEMA_ID = "https://openbanking-hub.example/schemas/psu-export/v1"
SCHEMA_VERSION = "1"


def export_psu(session: Session, psu_id: str, *, key: bytes,
               sources: list[PersonalDataSource], now: dt.datetime) -> dict[str, Any]:
    """The PSU's export document; UnknownPsu when there is no such PSU."""
    with unit_of_work(session):
        subject = subject_for(session, key, psu_id)
        data = {source.kind: source.export(session, subject) for source in sources}
    return {"$schema": SCHEMA_ID, "schema_version": SCHEMA_VERSION,
            "generated_at": now.astimezone(dt.UTC).isoformat(timespec="seconds"),
            "psu_id": subject.psu_id,
            "kinds": sorted(data), "data": data}
