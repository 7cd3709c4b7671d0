"""Payee checks, single and bulk, for both schemes: look the account up, decide, audit.

Plain Python: no Flask. One path answers both schemes; a `Scheme` (UK or EU) supplies what
differs: how accounts are found and answers coded, and how the audit names the account. Each
check owns its unit of work, so an audit row is written if and only if an answer is given.
Names and account numbers never leave this module except in the answer itself; the audit gets
keyed hashes. Large batches become bulk jobs (`cop/jobs.py`), checked through here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from cop import lookups
from cop.check_audit import keyed_hash, write_audit  # noqa: F401 - keyed_hash: for other packages
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
from cop.errors import DisclosureLimited
from cop.identifiers import compact_iban
from cop.matcher_pool import Pair, decide_all
from cop.matching import DEFAULT_CONFIG, Decision, Holder, MatchConfig
from cop.organisations import comparable
from core.db import unit_of_work, utcnow


@dataclass(frozen=True)
class CopAdapters:
    """What the checks need from outside: chosen in `init_app`, replaced in tests."""

    audit_key: bytes
    # (client_id, names to disclose) -> None when allowed, else seconds until allowed
    disclosure_gate: Callable[[str, int], int | None] = lambda client_id, count: None
    matcher: MatchConfig = DEFAULT_CONFIG
    # (names to decide, config) -> their decisions: in this thread, or a `MatcherPool`
    decide_all: Callable[[Sequence[Pair], MatchConfig], list[Decision]] = decide_all
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


class _Answer(NamedTuple):
    """One check's answer and what its audit row records (a tuple: built once per payee)."""

    report: Any  # UkReport | EuResult
    status: DirectoryStatus
    decision: Decision | None
    discloses: bool


# --- shared by both schemes ------------------------------------------------------------

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

def _uk_answers(session: Session, checks: Sequence[UkCheck],
                adapters: CopAdapters) -> list[_Answer]:
    accounts = lookups.by_scan(session, [(c.sort_code, c.account_number) for c in checks])
    missing = {c.sort_code for c in checks if (c.sort_code, c.account_number) not in accounts}
    served = lookups.served_sort_codes(session, missing)
    found: list[DirectoryStatus] = []
    pairs = []  # the names to decide, all at once (see cop/matcher_pool.py)
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
        found.append(status)
        if status is DirectoryStatus.FOUND:
            pairs.append((check.name, _holder(account), check.account_type))
    decisions = iter(adapters.decide_all(pairs, adapters.matcher))
    answers = []
    for status in found:
        if status is not DirectoryStatus.FOUND:
            answers.append(_Answer(uk_status_report(status), status, None, False))
            continue
        decision = next(decisions)
        report = uk_report(decision)
        answers.append(_Answer(report, status, decision, report.name is not None))
    return answers


def _uk_account_key(check: UkCheck) -> str:
    return f"UK:{check.sort_code}{check.account_number}"


def _uk_reason(report: UkReport) -> str | None:
    return report.reason_code.value if report.reason_code else None


def uk_item(ref: str | None, report: UkReport) -> dict[str, Any]:
    """One UK result as a batch answers it (`Id` first) and a finished job stores it."""
    item: dict[str, Any] = {"Id": ref, "Matched": report.matched}
    if report.reason_code:
        item["ReasonCode"] = report.reason_code.value
    if report.name:
        item["Name"] = report.name
    return item


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


def _eu_answers(session: Session, checks: Sequence[EuCheck],
                adapters: CopAdapters) -> list[_Answer]:
    accounts = lookups.by_iban(session, [compact_iban(c.iban) for c in checks])
    found: list[tuple[DirectoryStatus, lookups.AccountView | None]] = []
    pairs = []  # the names to decide, all at once (see cop/matcher_pool.py)
    for check in checks:
        account = accounts.get(compact_iban(check.iban))
        if account is not None and check.party_agent and (
            account.bank_bic[:8] != check.party_agent[:8].upper()
        ):
            account = None  # held here, but not at the bank the request was addressed to
        status = DirectoryStatus.UNKNOWN_ACCOUNT if account is None else _account_status(account)
        found.append((status, account))
        if status is DirectoryStatus.FOUND and check.name:
            pairs.append((check.name, _holder(account), None))
    decisions = iter(adapters.decide_all(pairs, adapters.matcher))
    answers = []
    for check, (status, account) in zip(checks, found, strict=True):
        if status is not DirectoryStatus.FOUND:
            noap = eu_status_report(status).party_name_match
            result = EuResult(noap if check.name else None,
                              noap if check.organisation_ids else None, None)
            answers.append(_Answer(result, status, None, False))
            continue
        decision, name_code, matched = None, None, None
        if check.name:
            decision = next(decisions)
            report: EuReport = eu_report(decision)
            name_code, matched = report.party_name_match, report.matched_name
        id_code = _id_match(check.organisation_ids, account.organisation_ids)
        answers.append(_Answer(EuResult(name_code, id_code, matched), status, decision,
                               matched is not None))
    return answers


def _eu_account_key(check: EuCheck) -> str:
    return f"EU:{compact_iban(check.iban)}"


def _eu_reason(result: EuResult) -> str | None:
    code = result.party_name_match or result.party_id_match
    return code.value if code else None


def eu_item(ref: str | None, result: EuResult) -> dict[str, Any]:
    """One EU result as a batch answers it (`id` first) and a finished job stores it."""
    item: dict[str, Any] = {"id": ref}
    if result.party_name_match:
        item["partyNameMatch"] = result.party_name_match.value
    if result.party_id_match:
        item["partyIdMatch"] = result.party_id_match.value
    if result.matched_name:
        item["matchedName"] = result.matched_name
    return item


# --- the check, for either scheme ---------------------------------------------------------

@dataclass(frozen=True)
class Scheme:
    """What differs between UK CoP and EU VoP on the check path; the path itself is one."""

    name: str  # "UK" | "EU": the audit's and the bulk job's `scheme`
    check_type: type  # UkCheck | EuCheck: how a stored job item is read back
    answers: Callable[[Session, Sequence[Any], CopAdapters], list[_Answer]]
    account_key: Callable[[Any], str]  # the account as the audit hashes it
    reason: Callable[[Any], str | None]  # the answer's code as the audit stores it
    item: Callable[[str | None, Any], dict[str, Any]]  # one result of a batch or job


UK = Scheme("UK", UkCheck, _uk_answers, _uk_account_key, _uk_reason, uk_item)
EU = Scheme("EU", EuCheck, _eu_answers, _eu_account_key, _eu_reason, eu_item)
SCHEMES = {scheme.name: scheme for scheme in (UK, EU)}


def check_payees(session: Session, client_id: str, scheme: Scheme, checks: Sequence[Any],
                 adapters: CopAdapters, request_id: str | None = None) -> list[Any]:
    """Answer each check (UkReport or EuResult, in order) and audit every answer.

    Statement by statement on PostgreSQL (`statements="each"`): the lookup and the audit
    INSERT need no atomicity between them, and BEGIN/COMMIT would double the round trips of a
    single check. A refusal by the disclosure gate comes before the INSERT: nothing written.
    """
    with unit_of_work(session, statements="each"):
        answers = scheme.answers(session, checks, adapters)
        _gate(adapters, client_id, answers)
        write_audit(session, adapters.audit_key, {
            "client_id": client_id, "scheme": scheme.name, "request_id": request_id,
            "created_at": utcnow()}, checks, answers, scheme.account_key, scheme.reason)
    return [a.report for a in answers]


def check_payee(session: Session, client_id: str, scheme: Scheme, check: Any,
                adapters: CopAdapters, request_id: str | None = None) -> Any:
    """One check: a batch of one."""
    return check_payees(session, client_id, scheme, [check], adapters, request_id)[0]


# --- abuse limits and audit ---------------------------------------------------------------

def _gate(adapters: CopAdapters, client_id: str, answers: Sequence[_Answer]) -> None:
    disclosures = sum(1 for a in answers if a.discloses)
    if disclosures:
        wait = adapters.disclosure_gate(client_id, disclosures)
        if wait is not None:
            raise DisclosureLimited(wait)
