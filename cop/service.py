"""Payee checks, single and bulk, for both schemes: look the account up, decide, audit.

Plain Python: no Flask. Each use case owns its transaction, so an audit row is written if and
only if an answer is given. Names and account numbers never leave this module except in the
answer itself; the audit gets keyed hashes.
"""

from __future__ import annotations

import datetime as dt
import hmac
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import and_, or_, update
from sqlalchemy.orm import Session

from cop import lookups
from cop.codes import (
    DirectoryStatus,
    EuCode,
    EuReport,
    UkReport,
    eu_report,
    eu_status_report,
    uk_report,
    uk_status_report,
)
from cop.errors import DisclosureLimited, JobNotFound
from cop.identifiers import compact_iban
from cop.matching import DEFAULT_CONFIG, Decision, Holder, MatchConfig, decide
from cop.models import BulkJob
from cop.normalise import normalise
from cop.organisations import comparable
from core.db import utcnow


@dataclass(frozen=True)
class CopAdapters:
    """What the checks need from outside: chosen in `init_app`, replaced in tests."""

    audit_key: bytes
    # (client_id, names to disclose) -> None when allowed, else seconds until allowed
    disclosure_gate: Callable[[str, int], int | None] = lambda client_id, count: None
    matcher: MatchConfig = DEFAULT_CONFIG
    run_in_background: Callable[[Callable[[], None]], None] = lambda work: work()
    # how long a bulk job's worker answers for it without a sign of life (then it is rerun)
    job_lease_seconds: float = 60.0


@dataclass(frozen=True, slots=True)
class UkCheck:
    sort_code: str
    account_number: str
    account_type: str | None  # "personal" | "business"
    name: str
    secondary_identification: str | None = None
    ref: str | None = None  # the caller's id for a bulk item


@dataclass(frozen=True, slots=True)
class EuCheck:
    iban: str
    name: str | None
    organisation_ids: dict[str, str] = field(default_factory=dict)
    ref: str | None = None
    party_agent: str | None = None  # BIC the requesting PSP addressed: the account's bank
    requesting_agent: str | None = None  # BIC the requesting PSP named as itself


@dataclass(frozen=True, slots=True)
class EuResult:
    party_name_match: EuCode | None
    party_id_match: EuCode | None
    matched_name: str | None


@dataclass(frozen=True, slots=True)
class _Answer:
    report: Any  # UkReport | EuResult
    status: DirectoryStatus
    decision: Decision | None
    discloses: bool


# --- hashing ------------------------------------------------------------------------------

def keyed_hash(key: bytes, value: str) -> str:
    return hmac.digest(key, value.encode("utf-8"), "sha256").hex()


def _account_status(account: lookups.AccountView) -> DirectoryStatus:
    if account.closed:
        return DirectoryStatus.CLOSED
    if account.switched:
        return DirectoryStatus.SWITCHED
    if account.opted_out:
        return DirectoryStatus.OPTED_OUT
    if not account.supports_checks:
        return DirectoryStatus.NOT_SUPPORTED
    return DirectoryStatus.FOUND


def _reference(value: str | None) -> str:
    return "".join((value or "").split()).upper()


def _holder(account: lookups.AccountView) -> Holder:
    """The account's holders, with the IBAN's country as the matcher's hint for name order."""
    country = account.iban[:2] if account.iban else None
    return Holder(account.holder_names, account.holder_type, account.trading_names, country)


# --- UK Confirmation of Payee -------------------------------------------------------------

def _uk_answers(session: Session, checks: Sequence[UkCheck], cfg: MatchConfig) -> list[_Answer]:
    accounts = lookups.by_scan(session, [(c.sort_code, c.account_number) for c in checks])
    missing = {c.sort_code for c in checks if (c.sort_code, c.account_number) not in accounts}
    served = lookups.served_sort_codes(session, missing)
    answers = []
    for check in checks:
        account = accounts.get((check.sort_code, check.account_number))
        if account is None:
            status = (DirectoryStatus.UNKNOWN_ACCOUNT if check.sort_code in served
                      else DirectoryStatus.UNKNOWN_BANK)
        else:
            status = _account_status(account)
            if status is DirectoryStatus.FOUND and account.secondary_reference and (
                _reference(check.secondary_identification)
                != _reference(account.secondary_reference)
            ):
                status = DirectoryStatus.SECONDARY_REFERENCE_INVALID
        if status is not DirectoryStatus.FOUND:
            answers.append(_Answer(uk_status_report(status), status, None, False))
            continue
        decision = decide(check.name, _holder(account), check.account_type, cfg)
        report = uk_report(decision)
        answers.append(_Answer(report, status, decision, report.name is not None))
    return answers


def check_uk(session: Session, client_id: str, check: UkCheck, adapters: CopAdapters,
             request_id: str | None = None) -> UkReport:
    """One UK CoP name verification."""
    return check_uk_bulk(session, client_id, [check], adapters, request_id)[0]


def check_uk_bulk(session: Session, client_id: str, checks: Sequence[UkCheck],
                  adapters: CopAdapters, request_id: str | None = None) -> list[UkReport]:
    with lookups.one_statement_each(session):
        answers = _uk_answers(session, checks, adapters.matcher)
        _gate(adapters, client_id, answers)
        keys = [f"UK:{c.sort_code}{c.account_number}" for c in checks]
        _audit(session, adapters, client_id, "UK", request_id, checks, keys, answers)
    return [a.report for a in answers]


# --- EU Verification of Payee -------------------------------------------------------------

def _id_match(wanted: dict[str, str], held: dict[str, str] | None) -> EuCode | None:
    """MTCH when every identifier the directory can compare is the holder's, NMTC when one
    differs, NOAP when the directory holds none of the schemes asked about."""
    if not wanted:
        return None
    held = {k.upper(): comparable(k.upper(), v) for k, v in (held or {}).items()}
    comparable_keys = [k for k in wanted if k in held]
    if not comparable_keys:
        return EuCode.NOAP
    same = all(comparable(k, wanted[k]) == held[k] for k in comparable_keys)
    return EuCode.MTCH if same else EuCode.NMTC


def _eu_answers(session: Session, checks: Sequence[EuCheck], cfg: MatchConfig) -> list[_Answer]:
    accounts = lookups.by_iban(session, [compact_iban(c.iban) for c in checks])
    answers = []
    for check in checks:
        account = accounts.get(compact_iban(check.iban))
        if account is not None and check.party_agent and (
            account.bank_bic[:8] != check.party_agent[:8].upper()
        ):
            account = None  # held here, but not at the bank the request was addressed to
        status = DirectoryStatus.UNKNOWN_ACCOUNT if account is None else _account_status(account)
        if status is not DirectoryStatus.FOUND:
            noap = eu_status_report(status).party_name_match
            result = EuResult(noap if check.name else None,
                              noap if check.organisation_ids else None, None)
            answers.append(_Answer(result, status, None, False))
            continue
        decision, name_code, matched = None, None, None
        if check.name:
            decision = decide(check.name, _holder(account), None, cfg)
            report: EuReport = eu_report(decision)
            name_code, matched = report.party_name_match, report.matched_name
        id_code = _id_match(check.organisation_ids, account.organisation_ids)
        answers.append(_Answer(EuResult(name_code, id_code, matched), status, decision,
                               matched is not None))
    return answers


def check_eu(session: Session, client_id: str, check: EuCheck, adapters: CopAdapters,
             request_id: str | None = None) -> EuResult:
    """One EU VoP payee verification."""
    return check_eu_bulk(session, client_id, [check], adapters, request_id)[0]


def check_eu_bulk(session: Session, client_id: str, checks: Sequence[EuCheck],
                  adapters: CopAdapters, request_id: str | None = None) -> list[EuResult]:
    with lookups.one_statement_each(session):
        answers = _eu_answers(session, checks, adapters.matcher)
        _gate(adapters, client_id, answers)
        keys = [f"EU:{compact_iban(c.iban)}" for c in checks]
        _audit(session, adapters, client_id, "EU", request_id, checks, keys, answers)
    return [a.report for a in answers]


# --- abuse limits and audit ---------------------------------------------------------------

def _gate(adapters: CopAdapters, client_id: str, answers: Sequence[_Answer]) -> None:
    disclosures = sum(1 for a in answers if a.discloses)
    if disclosures:
        wait = adapters.disclosure_gate(client_id, disclosures)
        if wait is not None:
            raise DisclosureLimited(wait)


def _audit(session, adapters, client_id, scheme, request_id, checks, keys, answers) -> None:
    key = adapters.audit_key
    rows = []
    for check, account_key, answer in zip(checks, keys, answers, strict=True):
        name = check.name
        rows.append({
            "account_hash": keyed_hash(key, account_key),
            "name_hash": keyed_hash(key, normalise(name)) if name else None,
            "outcome": answer.decision.outcome.value if answer.decision else answer.status.value,
            "reason_code": _reason(answer.report),
            "rule": answer.decision.rule if answer.decision else None,
            "name_disclosed": answer.discloses,
        })
    common = {"client_id": client_id, "scheme": scheme, "request_id": request_id,
              "created_at": utcnow()}
    lookups.insert_audit(session, common, rows)


def _reason(report) -> str | None:
    if isinstance(report, UkReport):
        return report.reason_code.value if report.reason_code else None
    code = report.party_name_match or report.party_id_match
    return code.value if code else None


# --- bulk jobs ----------------------------------------------------------------------------

def submit_job(session: Session, client_id: str, scheme: str,
               checks: Sequence[UkCheck] | Sequence[EuCheck], lease_seconds: float) -> BulkJob:
    """Store a large batch to be checked in the background; answered by `get_job`. The
    submitting worker answers for it for `lease_seconds`: if it has not started the job by
    then, anyone may (`job_orphaned`, `run_job`)."""
    with session.begin():
        job = BulkJob(id=str(uuid.uuid4()), client_id=client_id, scheme=scheme,
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
    """Claim a stored batch, check it chunk by chunk (renewing the lease after each), then
    store the results and drop the submitted names. Returns at once when the job is finished
    or another run holds a live lease; stops when another run took the lease over."""
    holder, lease = str(uuid.uuid4()), adapters.job_lease_seconds
    with session_factory() as session:
        if not _claim(session, job_id, holder, lease):
            return
        with session.begin():
            job = session.get(BulkJob, job_id, populate_existing=True)
            items, scheme, client_id = job.items or [], job.scheme, job.client_id
        results: list[dict[str, Any]] = []
        try:
            for start in range(0, len(items), chunk):
                part = items[start : start + chunk]
                if scheme == "UK":
                    checks = [UkCheck(**item) for item in part]
                    reports = check_uk_bulk(session, client_id, checks, adapters, job_id)
                    results += [uk_item(c.ref, r) for c, r in zip(checks, reports, strict=True)]
                else:
                    eu_checks = [EuCheck(**item) for item in part]
                    found = check_eu_bulk(session, client_id, eu_checks, adapters, job_id)
                    results += [eu_item(c.ref, r) for c, r in zip(eu_checks, found, strict=True)]
                if not _held(session, job_id, holder, {
                        "lease_expires_at": utcnow() + dt.timedelta(seconds=lease)}):
                    return  # taken over after this run missed its lease: the other run answers
        except Exception as exc:  # noqa: BLE001 - recorded on the job for the caller
            _held(session, job_id, holder, _finished("failed", None, type(exc).__name__))
            raise
        _held(session, job_id, holder, _finished("done", results, None))


def _claim(session: Session, job_id: str, holder: str, lease_seconds: float) -> bool:
    """Take the job in one conditional UPDATE: two workers racing for it cannot both win."""
    now = utcnow()
    claimable = or_(BulkJob.status == "pending",
                    and_(BulkJob.status == "running",
                         or_(BulkJob.lease_expires_at.is_(None), BulkJob.lease_expires_at <= now)))
    with session.begin():
        claimed = session.execute(
            update(BulkJob).where(BulkJob.id == job_id, claimable).values(
                status="running", lease_holder=holder,
                lease_expires_at=now + dt.timedelta(seconds=lease_seconds)),
            execution_options={"synchronize_session": False}).rowcount
    return claimed == 1


def _held(session: Session, job_id: str, holder: str, values: dict[str, Any]) -> bool:
    """Write `values` to the job if this run still holds it; False when another run does."""
    session.rollback()
    with session.begin():
        return session.execute(
            update(BulkJob).where(BulkJob.id == job_id, BulkJob.lease_holder == holder,
                                  BulkJob.status == "running").values(**values),
            execution_options={"synchronize_session": False}).rowcount == 1


def _finished(status: str, results, error: str | None) -> dict[str, Any]:
    return {"status": status, "results": results, "error": error, "items": None,
            "finished_at": utcnow(), "lease_expires_at": None}


def get_job(session: Session, client_id: str, job_id: str) -> BulkJob:
    with session.begin():
        job = session.get(BulkJob, job_id, populate_existing=True)
        if job is None or job.client_id != client_id:
            raise JobNotFound("No such bulk job for this client.")
    return job


def uk_item(ref: str | None, report: UkReport) -> dict[str, Any]:
    """One bulk result in the UK shape (also what a finished job stores)."""
    item: dict[str, Any] = {"Id": ref, "Matched": report.matched}
    if report.reason_code:
        item["ReasonCode"] = report.reason_code.value
    if report.name:
        item["Name"] = report.name
    return item


def eu_item(ref: str | None, result: EuResult) -> dict[str, Any]:
    item: dict[str, Any] = {"id": ref}
    if result.party_name_match:
        item["partyNameMatch"] = result.party_name_match.value
    if result.party_id_match:
        item["partyIdMatch"] = result.party_id_match.value
    if result.matched_name:
        item["matchedName"] = result.matched_name
    return item
