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
from dataclasses import asdict
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

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
                      status="pending", total=len(checks), items=[asdict(c) for c in checks],
                      lease_expires_at=utcnow() + dt.timedelta(seconds=lease_seconds))
        session.add(job)
    return job


def job_orphaned(job: BulkJob, now: dt.datetime | None = None) -> bool:
    """A job not finished whose lease ran out: the worker that had it restarted or died."""
    if job.status not in ("pending", "running"):
        return False
    return job.lease_expires_at is None or job.lease_expires_at <= (now or utcnow())


def run_job(session_factory: Callable[[], Session], job_id: str, adapters: CopAdapters,
            chunk: int = 10_000) -> None:
    """Claim a stored batch, check it chunk by chunk, then store the results and drop the
    submitted names. Returns at once when the job is finished or another run holds a live
    lease; stops when another run took the lease over. A run that takes a job over resumes
    after the last chunk committed before it: no payee is checked or audited twice."""
    holder, lease = str(uuid.uuid4()), adapters.job_lease_seconds
    with session_factory() as session:
        if not _claim(session, job_id, holder, lease):
            return
        with unit_of_work(session):
            job = session.get(BulkJob, job_id, populate_existing=True)
            items, scheme, client_id = job.items or [], SCHEMES[job.scheme], job.client_id
            done = set(session.scalars(
                select(BulkJobChunk.start).where(BulkJobChunk.job_id == job_id)))
        try:
            for start in range(0, len(items), chunk):
                if start in done:
                    continue
                if not _check_chunk(session, job_id, holder, lease, scheme, client_id,
                                    items[start : start + chunk], start, adapters):
                    return  # taken over after this run missed its lease: the other run answers
        except Exception as exc:  # noqa: BLE001 - recorded on the job for the caller
            _end(session, job_id, holder, "failed", error=type(exc).__name__)
            raise
        _end(session, job_id, holder, "done")


class _TakenOver(Exception):
    """Another run holds the job now: this chunk's work is rolled back, nothing written."""


def _check_chunk(session: Session, job_id: str, holder: str, lease: float, scheme: Scheme,
                 client_id: str, items: Sequence[dict[str, Any]], start: int,
                 adapters: CopAdapters) -> bool:
    """Check one chunk: its audit rows, its answers and the renewed lease commit together, or
    (when the lease was lost meanwhile) not at all. False when another run holds the job."""
    checks = [scheme.check_type(**item) for item in items]
    try:
        with unit_of_work(session):
            if not _held(session, job_id, holder, {
                    "lease_expires_at": utcnow() + dt.timedelta(seconds=lease)}):
                raise _TakenOver
            reports = service.check_payees(session, client_id, scheme, checks, adapters, job_id)
            session.add(BulkJobChunk(job_id=job_id, start=start, results=[
                scheme.item(c.ref, r) for c, r in zip(checks, reports, strict=True)]))
    except _TakenOver:
        return False
    return True


def _end(session: Session, job_id: str, holder: str, status: str,
         error: str | None = None) -> None:
    """Finish the job if this run still holds it: the chunks' answers become its results."""
    with unit_of_work(session):
        chunks = session.scalars(select(BulkJobChunk).where(BulkJobChunk.job_id == job_id)
                                 .order_by(BulkJobChunk.start)).all()
        results = [item for c in chunks for item in c.results] if status == "done" else None
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
    with unit_of_work(session):
        job = session.get(BulkJob, job_id, populate_existing=True)
        if job is None or job.client_id != client_id:
            raise JobNotFound("No such bulk job for this client.")
    return job
