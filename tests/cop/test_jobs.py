"""Bulk jobs against a real database: run, forget the names, leases, racing runs."""

from __future__ import annotations

import datetime as dt

import pytest

from cop import jobs
from cop.errors import JobNotFound
from cop.models import BulkJob
from cop.service import UK, CopAdapters

from .test_service import KEY, audit_count, uk


@pytest.fixture
def adapters():
    return CopAdapters(audit_key=KEY)


def test_bulk_job_runs_and_forgets_the_names(app, seeded, adapters):
    checks = [uk("12345678", "John Smith", ref="a"), uk("12345678", "Jon Smith", ref="b")]
    job = jobs.submit_job(seeded, "tpp-1", UK, checks, lease_seconds=60)
    jobs.run_job(app.extensions["session_factory"], job.id, adapters, chunk=1)
    done = jobs.get_job(seeded, "tpp-1", job.id)
    assert done.status == "done" and done.items is None
    assert done.results == [{"Id": "a", "Matched": True},
                            {"Id": "b", "Matched": False, "ReasonCode": "MBAM",
                             "Name": "John Andrew Smith"}]
    with pytest.raises(JobNotFound):
        jobs.get_job(seeded, "another-tpp", job.id)
    assert seeded.get(BulkJob, job.id).finished_at is not None
    seeded.rollback()
    assert audit_count(seeded) == len(checks)  # one row per payee, each chunk's own


def test_a_job_run_with_its_checks_at_hand_answers_as_one_that_reads_them(app, seeded,
                                                                          adapters):
    """The submitting worker passes the checks it parsed; a run that reads them back from
    the stored job (a takeover) gets the same answers."""
    factory = app.extensions["session_factory"]
    handed = jobs.submit_job(seeded, "tpp-1", UK, JOB_CHECKS, lease_seconds=60)
    jobs.run_job(factory, handed.id, adapters, chunk=1, checks=JOB_CHECKS)
    read = jobs.submit_job(seeded, "tpp-1", UK, JOB_CHECKS, lease_seconds=60)
    jobs.run_job(factory, read.id, adapters, chunk=1)
    assert _job(seeded, handed.id)[2] == _job(seeded, read.id)[2] == [
        {"Id": "a", "Matched": True}, {"Id": "b", "Matched": False, "ReasonCode": "ANNM"}]
    assert jobs.job_results(seeded, handed.id).startswith('[{"Id": "a"')
    seeded.rollback()
    assert audit_count(seeded) == 2 * len(JOB_CHECKS)


JOB_CHECKS = [uk("12345678", "John Smith", ref="a"), uk("23456789", "Ciara Murphy", ref="b")]


def _lease(session, job_id, status, holder, seconds_from_now):
    """Put a job in the state a worker left it in: `status`, held by `holder` until then."""
    with session.begin():
        job = session.get(BulkJob, job_id)
        job.status, job.lease_holder = status, holder
        job.lease_expires_at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds_from_now)


def _job(session, job_id):
    job = session.get(BulkJob, job_id, populate_existing=True)
    state = (job.status, job.lease_holder, job.results)
    session.rollback()
    return state


def test_a_job_held_by_a_live_run_is_left_to_it(app, seeded, adapters):
    job = jobs.submit_job(seeded, "tpp-1", UK, JOB_CHECKS, lease_seconds=60)
    _lease(seeded, job.id, "running", "live-run", 60)
    assert not jobs.job_orphaned(seeded.get(BulkJob, job.id))
    seeded.rollback()
    jobs.run_job(app.extensions["session_factory"], job.id, adapters)
    assert _job(seeded, job.id) == ("running", "live-run", None)
    assert audit_count(seeded) == 0


@pytest.mark.parametrize("status", ["pending", "running"])
def test_a_job_whose_worker_died_is_run_again(app, seeded, adapters, status):
    job = jobs.submit_job(seeded, "tpp-1", UK, JOB_CHECKS, lease_seconds=60)
    _lease(seeded, job.id, status, "dead-run" if status == "running" else None, -1)
    assert jobs.job_orphaned(seeded.get(BulkJob, job.id))
    seeded.rollback()
    jobs.run_job(app.extensions["session_factory"], job.id, adapters)
    status, holder, results = _job(seeded, job.id)
    assert status == "done" and holder != "dead-run"
    assert results == [{"Id": "a", "Matched": True},
                       {"Id": "b", "Matched": False, "ReasonCode": "ANNM"}]
    jobs.run_job(app.extensions["session_factory"], job.id, adapters)  # finished: no-op
    assert audit_count(seeded) == 2


def test_only_one_of_two_racing_runs_claims_a_job(app, seeded):
    job = jobs.submit_job(seeded, "tpp-1", UK, JOB_CHECKS, lease_seconds=60)
    factory = app.extensions["session_factory"]
    with factory() as first, factory() as second:
        assert jobs._claim(first, job.id, "run-1", 60)
        assert not jobs._claim(second, job.id, "run-2", 60)
    assert _job(seeded, job.id)[:2] == ("running", "run-1")


def test_a_run_that_lost_its_lease_stops_and_writes_nothing(app, seeded, adapters,
                                                              monkeypatch):
    """After its first chunk the run finds another run holding the job (it missed its lease
    and was taken over): it checks nothing more and leaves the job to that run."""
    job = jobs.submit_job(seeded, "tpp-1", UK, JOB_CHECKS, lease_seconds=60)
    factory, original, chunks = app.extensions["session_factory"], jobs._check_chunk, []

    def chunk_then_lose_the_lease(*args, **kwargs):
        checked = original(*args, **kwargs)
        chunks.append(checked is not None)  # its answers, or None: taken over
        with factory() as other:
            _lease(other, job.id, "running", "takeover", 60)
        return checked

    monkeypatch.setattr(jobs, "_check_chunk", chunk_then_lose_the_lease)
    jobs.run_job(factory, job.id, adapters, chunk=1)
    assert chunks == [True, False]
    assert _job(seeded, job.id) == ("running", "takeover", None)
    assert audit_count(seeded) == 1


def test_a_run_that_takes_a_job_over_resumes_after_the_last_chunk(app, seeded, adapters,
                                                                   monkeypatch):
    """The first run dies after its first chunk committed; the run that takes the job over
    checks only the rest: every payee audited exactly once, every answer in the results."""
    job = jobs.submit_job(seeded, "tpp-1", UK, JOB_CHECKS, lease_seconds=60)
    factory, original = app.extensions["session_factory"], jobs._check_chunk

    class WorkerDied(Exception):
        pass

    def die_after_the_first_chunk(*args, **kwargs):
        if args[7] > 0:  # start of the chunk
            raise WorkerDied
        return original(*args, **kwargs)

    monkeypatch.setattr(jobs, "_check_chunk", die_after_the_first_chunk)
    monkeypatch.setattr(jobs, "_end", lambda *args, **kwargs: None)  # died: recorded nothing
    with pytest.raises(WorkerDied):
        jobs.run_job(factory, job.id, adapters, chunk=1)
    monkeypatch.undo()
    assert audit_count(seeded) == 1
    _lease(seeded, job.id, "running", _job(seeded, job.id)[1], -1)  # its lease ran out
    jobs.run_job(factory, job.id, adapters, chunk=1)
    status, _, results = _job(seeded, job.id)
    assert status == "done"
    assert results == [{"Id": "a", "Matched": True},
                       {"Id": "b", "Matched": False, "ReasonCode": "ANNM"}]
    assert audit_count(seeded) == 2
