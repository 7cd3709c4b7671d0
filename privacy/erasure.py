"""Erasure (GDPR Art. 17) as resumable steps with a recorded state.

The steps, in order: end every consent of the PSU (revoked at every bank through consent's own
revocation path, its tokens revoked with it), then one step per personal data source
(core.personal_data), the PSU's profile last. Each source's step and the note that it is done
commit in one unit of work, so a run killed anywhere leaves every step either done and
recorded or not done at all; running the erasure again skips what is recorded and finishes the
rest (every step is idempotent besides). While it runs, the `privacy_erasures` row holds the
PSU's id, because a resumed run needs it; the last step clears it, leaving only the keyed
pseudonym, who asked, when, and how many records each step changed — the record that an
erasure happened, without the erased data.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.db import unit_of_work
from core.logging import get_logger
from core.personal_data import PersonalDataSource, Subject
from privacy.models import Erasure
from privacy.subjects import UnknownPsu, find_erasure, subject_for

END_CONSENTS = "consents_ended"
PROFILE = "profile"

log = get_logger("privacy.erasure")

# end_consents(session, subject) -> how many live consents it ended (consent.service)
ConsentEnder = Callable[[Session, Subject], int]


@dataclass(frozen=True)
class ErasureResult:
    erasure_id: str
    pseudonym: str
    already_done: bool
    counts: dict[str, int]


def steps(sources: list[PersonalDataSource]) -> list[PersonalDataSource]:
    """Sources in erasure order: the profile last, since the others may still need the
    PSU's name (payee checks match it by keyed hash)."""
    return sorted(sources, key=lambda s: s.kind == PROFILE)


def erase_psu(session: Session, psu_id: str, *, key: bytes, sources: list[PersonalDataSource],
              end_consents: ConsentEnder, requested_by: str, now: dt.datetime,
              after_step: Callable[[str], None] = lambda _step: None) -> ErasureResult:
    """Erase the PSU `psu_id`, or finish an erasure cut short; a finished one is a no-op.
    `after_step` is called after each committed step (tests inject a crash there)."""
    record, subject = _begin(session, psu_id, key=key, requested_by=requested_by, now=now)
    if record.state == "done":
        return ErasureResult(record.id, record.pseudonym, True, dict(record.counts))
    if END_CONSENTS not in record.steps_done:
        ended = end_consents(session, subject)
        _done(session, record.id, END_CONSENTS, ended)
        after_step(END_CONSENTS)
    ordered = steps(sources)
    for source in ordered:
        step = f"erase:{source.kind}"
        if step in _steps_done(session, record.id):
            continue
        with unit_of_work(session):
            changed = source.erase(session, subject)
            last = source is ordered[-1]
            _note(session, record.id, step, changed, finish=now if last else None)
        after_step(step)
    if not ordered:
        with unit_of_work(session):
            _note(session, record.id, "nothing", 0, finish=now)
    with unit_of_work(session):
        done = session.get(Erasure, record.id)
        counts = dict(done.counts)
    log.info("psu_erased", erasure_id=record.id, steps=len(counts))
    return ErasureResult(record.id, record.pseudonym, False, counts)


def _begin(session: Session, psu_id: str, *, key: bytes, requested_by: str,
           now: dt.datetime) -> tuple[Erasure, Subject]:
    with unit_of_work(session):
        record = find_erasure(session, key, psu_id)
        if record is not None and record.state == "done":
            return record, Subject(psu_id=psu_id, pseudonym=record.pseudonym, key=key)
        subject = subject_for(session, key, psu_id)  # UnknownPsu when there is none
        if record is None:
            record = Erasure(id=str(uuid.uuid4()), pseudonym=subject.pseudonym, psu_id=psu_id,
                             requested_by=requested_by, state="running", steps_done=[],
                             counts={}, started_at=now)
            session.add(record)
        return record, subject


def _steps_done(session: Session, erasure_id: str) -> list[str]:
    with unit_of_work(session):
        return list(session.get(Erasure, erasure_id).steps_done)


def _done(session: Session, erasure_id: str, step: str, changed: int) -> None:
    with unit_of_work(session):
        _note(session, erasure_id, step, changed)


def _note(session: Session, erasure_id: str, step: str, changed: int,
          finish: dt.datetime | None = None) -> None:
    record = session.get(Erasure, erasure_id, with_for_update=True)
    # new lists/dicts, so the JSON columns are seen as changed
    record.steps_done = [*record.steps_done, step]
    record.counts = {**record.counts, step: int(changed or 0)}
    if finish is not None:
        record.state, record.psu_id, record.finished_at = "done", None, finish


__all__ = ["ErasureResult", "UnknownPsu", "erase_psu", "steps"]
