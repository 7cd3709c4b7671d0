"""Finding the PSU a data-subject request is about, before or during their erasure."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.psu import get_psu
from core.errors import NotFound
from core.personal_data import Subject, pseudonym
from privacy.models import Erasure


class UnknownPsu(NotFound):
    """No PSU account with that id (never created, or erased)."""


def find_erasure(session: Session, key: bytes, psu_id: str) -> Erasure | None:
    return session.scalars(select(Erasure).where(
        Erasure.pseudonym == pseudonym(key, psu_id))).one_or_none()


def subject_for(session: Session, key: bytes, psu_id: str) -> Subject:
    """The PSU with this id, as the personal data sources see them; UnknownPsu if there is no
    such account (an erased PSU is unknown: nothing is left to export)."""
    psu = get_psu(session, psu_id)
    if psu is None:
        raise UnknownPsu(f"No PSU with id {psu_id}.")
    return Subject(psu_id=psu.id, pseudonym=pseudonym(key, psu.id), username=psu.username,
                   display_name=psu.display_name, key=key)
