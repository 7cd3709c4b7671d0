"""The privacy package's tables: erasures (one per PSU, with the steps done so far, so a run
cut short resumes) and stored access reviews (so the next review can say what changed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, one_of_sql, utcnow

ERASURE_STATES = ("running", "done")


class Erasure(Base):
    """That a PSU was erased, without who they were: the keyed pseudonym only. `psu_id` is
    held while the erasure runs (a resumed run needs it) and cleared when it is done."""

    __tablename__ = "privacy_erasures"
    __table_args__ = (CheckConstraint(one_of_sql("state", ERASURE_STATES), name="state"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(64), unique=True)
    psu_id: Mapped[str | None] = mapped_column(String(64))
    requested_by: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(8), default="running")
    steps_done: Mapped[list[str]] = mapped_column(JSON, default=list)
    counts: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class AccessReview(Base):
    """One access review as produced: its rows, kept so the next one lists the changes."""

    __tablename__ = "privacy_access_reviews"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
