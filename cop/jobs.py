"""Bulk jobs: a batch larger than one answer holds is stored, checked in the background and
polled for.

The worker that accepted a job holds a lease on it, renewed with every chunk; when the lease
runs out (the worker restarted or died) the next poll resumes the job after its last committed
chunk. One
conditional UPDATE claims a job, so two runs never check it at once. Plain Python: no Flask.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import fields
from operator import attrgetter
from typing import Any

from sqlalchemy import Text, and_, cast, delete, or_, select, update
from sqlalchemy.orm import Session, defer

from cop import service
from cop.errors import JobNotFound
from cop.models import BulkJob, BulkJobChunk
from cop.service import SCHEMES, CopAdapters, Scheme
from core.db import unit_of_work, utcnow


def submit_job(session: Session, client_id: str, scheme: Scheme, checks: Sequence[Any],
               lease_seconds: float) -> BulkJob:
    """Store a large batch to be checked in the background; answered by `get_job`. The
    submitting worker answers for it for `lease_seconds`: if it has not started the job by
    then, anyone may (`job_orphaned`, `run_job`)."""
    with unit_of_work(session):
        job = BulkJob(id=str(uuid.uuid4()), client_id=client_id, scheme=scheme.name,
                      status="pending", total=len(checks), items=_stored(scheme, checks),
                      lease_expires_at=utcnow() + dt.timedelta(seconds=lease_seconds))
        session.add(job)
    return job


def _stored(scheme: Scheme, checks: Sequence[Any]) -> list[list[Any]]:
    """Each check as the list of its fields in declaration order: for a 100,000-payee job,
    `dataclasses.asdict` (which copies recursively) took two fifths of the submission."""
    values = attrgetter(*(f.name for f in fields(scheme.check_type)))
    return list(map(values, checks))


def _read(scheme: Scheme, items: Sequence[Any]) -> list[Any]:
    """Stored items back to checks: lists of fields, or mappings as jobs stored them before."""
    build = scheme.check_type
    return [build(*item) if isinstance(item, list) else build(**item) for item in items]


def job_orphaned(job: BulkJob, now: dt.datetime | None = None) -> bool:
    """A job not finished whose lease ran out: the worker that had it restarted or died."""
    if job.status not in ("pending", "running"):
        return False
    return job.lease_expires_at is None or job.lease_expires_at <= (now or utcnow())


def run_job(session_factory: Callable[[], Session], job_id: str, adapters: CopAdapters,
            chunk: int = 10_000, checks: Sequence[Any] | None = None) -> None:
    """Claim a stored batch, check it chunk by chunk, then store the results and drop the
    submitted names. Returns at once when the job is finished or another run holds a live
    lease; stops when another run took the lease over. A run that takes a job over resumes
    after the last chunk committed before it: no payee is checked or audited twice.

    `checks` are the job's checks as the submitting worker parsed them, which spares it
    reading them back; a run that takes the job over reads them from the job."""
    holder, lease = str(uuid.uuid4()), adapters.job_lease_seconds
    with session_factory() as session:
        if not _claim(session, job_id, holder, lease):
            return
        with unit_of_work(session):
            options = [defer(BulkJob.results)] + ([defer(BulkJob.items)] if checks else [])
            job = session.get(BulkJob, job_id, populate_existing=True, options=options)
            scheme, client_id = SCHEMES[job.scheme], job.client_id
            if checks is None:
                checks = _read(scheme, job.items or [])
            done = set(session.scalars(
                select(BulkJobChunk.start).where(BulkJobChunk.job_id == job_id)))
        answered: dict[int, list[dict[str, Any]]] = {}
        try:
            for start in range(0, len(checks), chunk):
                if start in done:
                    continue
                results = _check_chunk(session, job_id, holder, lease, scheme, client_id,
                                       checks[start : start + chunk], start, adapters)
                if results is None:
                    return  # taken over after this run missed its lease: the other run answers
                answered[start] = results
        except Exception as exc:  # noqa: BLE001 - recorded on the job for the caller
            _end(session, job_id, holder, "failed", error=type(exc).__name__)
            raise
        _end(session, job_id, holder, "done", answered)


class _TakenOver(Exception):
    """Another run holds the job now: this chunk's work is rolled back, nothing written."""


def _check_chunk(session: Session, job_id: str, holder: str, lease: float, scheme: Scheme,
                 client_id: str, checks: Sequence[Any], start: int,
                 adapters: CopAdapters) -> list[dict[str, Any]] | None:
    """Check one chunk: its audit rows, its answers and the renewed lease commit together, or
    (when the lease was lost meanwhile) not at all. Its answers, or None when another run
    holds the job."""
    try:
        with unit_of_work(session):
            if not _held(session, job_id, holder, {
                    "lease_expires_at": utcnow() + dt.timedelta(seconds=lease)}):
                raise _TakenOver
            reports = service.check_payees(session, client_id, scheme, checks, adapters, job_id)
            results = [scheme.item(c.ref, r) for c, r in zip(checks, reports, strict=True)]
            session.add(BulkJobChunk(job_id=job_id, start=start, results=results))
    except _TakenOver:
        return None
    return results


def _end(session: Session, job_id: str, holder: str, status: str,
         answered: dict[int, list[dict[str, Any]]] | None = None,
         error: str | None = None) -> None:
    """Finish the job if this run still holds it: the chunks' answers become its results.
    Those this run checked itself are at hand; only chunks an earlier run committed are read."""
    answered = answered or {}
    with unit_of_work(session):
        results = None
        if status == "done":
            stored = session.execute(select(BulkJobChunk.start, BulkJobChunk.results).where(
                BulkJobChunk.job_id == job_id, BulkJobChunk.start.not_in(answered)))
            chunks = {**answered, **{start: results for start, results in stored}}
            results = [item for start in sorted(chunks) for item in chunks[start]]
        if _held(session, job_id, holder, _finished(status, results, error)):
            session.execute(delete(BulkJobChunk).where(BulkJobChunk.job_id == job_id))


def _claim(session: Session, job_id: str, holder: str, lease_seconds: float) -> bool:
    """Take the job in one conditional UPDATE: two workers racing for it cannot both win."""
    now = utcnow()
    claimable = or_(BulkJob.status == "pending",
                    and_(BulkJob.status == "running",
                         or_(BulkJob.lease_expires_at.is_(None), BulkJob.lease_expires_at <= now)))
    with unit_of_work(session):
        claimed = session.execute(
            update(BulkJob).where(BulkJob.id == job_id, claimable).values(
                status="running", lease_holder=holder,
                lease_expires_at=now + dt.timedelta(seconds=lease_seconds)),
            execution_options={"synchronize_session": False}).rowcount
    return claimed == 1


def _held(session: Session, job_id: str, holder: str, values: dict[str, Any]) -> bool:
    """Write `values` to the job if this run still holds it; False when another run does."""
    with unit_of_work(session):
        return session.execute(
            update(BulkJob).where(BulkJob.id == job_id, BulkJob.lease_holder == holder,
                                  BulkJob.status == "running").values(**values),
            execution_options={"synchronize_session": False}).rowcount == 1


def _finished(status: str, results, error: str | None) -> dict[str, Any]:
    return {"status": status, "results": results, "error": error, "items": None,
            "finished_at": utcnow(), "lease_expires_at": None}


def get_job(session: Session, client_id: str, job_id: str) -> BulkJob:
    """The job's state, without its stored items or results (a poll while it runs reads a
    few columns, not megabytes of JSON); `job_results` gives the results once done."""
    with unit_of_work(session):
        job = session.get(BulkJob, job_id, populate_existing=True,
                          options=[defer(BulkJob.items), defer(BulkJob.results)])
        if job is None or job.client_id != client_id:
            raise JobNotFound("No such bulk job for this client.")
        session.expire(job, ["items", "results"])  # read again if asked for, never stale
    return job


def job_results(session: Session, job_id: str) -> str:
    """A finished job's results as the JSON text stored: the answer carries them as they
    are, not parsed and written out again (100,000 results take a quarter of a second
    each way)."""
    with unit_of_work(session):
        return session.scalar(select(cast(BulkJob.results, Text)).where(BulkJob.id == job_id))
