"""Directory maintenance: banks, and the accounts their holders' names are checked against.

Used by the ASPSP API (a bank maintains its own accounts) and by `flask cop import` (an
operator loads a file for one bank). Both go through `parse_account`, so a row is refused for
the same reasons whichever way it arrives. Reasons never quote a name or an account number.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop import organisations
from cop.errors import AccountNotFound, NotBankOwner
from cop.identifiers import (
    compact_iban,
    iban_problem,
    is_account_number,
    is_sort_code,
    is_valid_bic,
    split_scan,
)
from cop.lookups import entities_by_iban, entities_by_scan
from cop.models import HOLDER_TYPES, DirectoryAccount, ParticipatingBank, SortCodeRange

BATCH = 1000
MAX_NAME = 140
TRUE = {"1", "true", "yes", "y", "t"}
FALSE = {"0", "false", "no", "n", "f", ""}


class RowError(ValueError):
    """Why one account record was refused."""


# The columns (CSV) or keys (JSON lines) an import row may carry.
IMPORT_COLUMNS = ("sort_code", "account_number", "iban", "bic", "holder_type", "holder_names",
                  "trading_names", "organisation_ids", "secondary_reference", "opted_out",
                  "closed", "switched", "supports_checks")


def sniff_format(first_line: str) -> str | None:
    """"jsonl" when the first line is a JSON object, "csv" when it is a header naming import
    columns, None when it is neither: the file's name says nothing reliable about its content."""
    line = first_line.lstrip("\ufeff").strip()
    if line.startswith("{"):
        return "jsonl"
    names = {name.strip().lower() for name in line.split(",")}
    return "csv" if names & set(IMPORT_COLUMNS) else None


def csv_header_problem(columns: list[str]) -> str | None:
    """Everything wrong with a CSV header at once: each missing column and each unknown one."""
    have = {c.strip() for c in columns}
    missing = [c for c in ("holder_type", "holder_names") if c not in have]
    if "iban" not in have and not {"sort_code", "account_number"} <= have:
        missing.append("iban, or sort_code and account_number")
    unknown = sorted(have - set(IMPORT_COLUMNS) - {""})
    parts = []
    if missing:
        parts.append(f"lacks {'; '.join(missing)}")
    if unknown:
        parts.append(f"has unknown columns {', '.join(unknown)} "
                     f"(known: {', '.join(IMPORT_COLUMNS)})")
    return f"the CSV header {' and '.join(parts)}" if parts else None


@dataclass(frozen=True, slots=True)
class AccountInput:
    sort_code: str | None
    account_number: str | None
    iban: str | None
    holder_type: str
    holder_names: tuple[str, ...]
    trading_names: tuple[str, ...] = ()
    organisation_ids: dict[str, str] = field(default_factory=dict)
    secondary_reference: str | None = None
    opted_out: bool = False
    closed: bool = False
    switched: bool = False
    supports_checks: bool = True
    bic: str | None = None


@dataclass
class UpsertSummary:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)


def _names(value: Any, field_name: str, required: bool) -> tuple[str, ...]:
    if value is None or value == "":
        items: list[str] = []
    elif isinstance(value, str):
        items = [p.strip() for p in value.replace(";", "|").split("|")]
    elif isinstance(value, list | tuple):
        items = [str(p).strip() for p in value]
    else:
        raise RowError(f"{field_name} must be a list of names")
    items = [p for p in items if p]
    if required and not items:
        raise RowError(f"{field_name} needs at least one name")
    if any(len(p) > MAX_NAME for p in items):
        raise RowError(f"{field_name}: a name is longer than {MAX_NAME} characters")
    return tuple(items)


def _flag(value: Any, field_name: str, default: bool) -> bool:
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return default if text == "" else False
    raise RowError(f"{field_name} must be true or false")


def parse_account(raw: Mapping[str, Any]) -> AccountInput:
    """Validate one account record (snake_case keys, as in the import file)."""
    sort_code = (str(raw.get("sort_code") or "").replace("-", "").strip()) or None
    account_number = str(raw.get("account_number") or "").strip() or None
    iban = compact_iban(str(raw.get("iban") or "")) or None
    if (sort_code is None) != (account_number is None):
        raise RowError("sort_code and account_number go together")
    if sort_code and not is_sort_code(sort_code):
        raise RowError("sort_code must be 6 digits")
    if account_number and not is_account_number(account_number):
        raise RowError("account_number must be 8 digits")
    if iban and (problem := iban_problem(iban)):
        raise RowError(f"iban: {problem}")
    if not (sort_code or iban):
        raise RowError("an account needs sort_code and account_number, or iban")
    holder_type = str(raw.get("holder_type") or "").strip().lower()
    if holder_type not in HOLDER_TYPES:
        raise RowError("holder_type must be personal or business")
    ids = raw.get("organisation_ids") or {}
    if isinstance(ids, str):
        ids = dict(p.split(":", 1) for p in ids.split("|") if ":" in p)
    if not isinstance(ids, dict):
        raise RowError("organisation_ids must map a scheme (LEI, …) to an identifier")
    ids = {organisations.stored_key(str(k)): str(v).strip() for k, v in ids.items()}
    for scheme, value in ids.items():
        if problem := organisations.stored_problem(scheme, value):
            raise RowError(f"organisation_ids {scheme}: {problem}")
    secondary = str(raw.get("secondary_reference") or "").strip() or None
    if secondary and len(secondary) > 18:
        raise RowError("secondary_reference is at most 18 characters")
    bic = str(raw.get("bic") or "").strip().upper() or None
    if bic and not is_valid_bic(bic):
        raise RowError("bic is not a BIC")
    return AccountInput(
        sort_code=sort_code, account_number=account_number, iban=iban,
        holder_type=holder_type,
        holder_names=_names(raw.get("holder_names"), "holder_names", True),
        trading_names=_names(raw.get("trading_names"), "trading_names", False),
        organisation_ids=ids,
        secondary_reference=secondary,
        opted_out=_flag(raw.get("opted_out"), "opted_out", False),
        closed=_flag(raw.get("closed"), "closed", False),
        switched=_flag(raw.get("switched"), "switched", False),
        supports_checks=_flag(raw.get("supports_checks"), "supports_checks", True),
        bic=bic,
    )


# --- banks --------------------------------------------------------------------------------

def register_bank(session: Session, *, name: str, bic: str, owner_client_id: str | None,
                  sort_code_ranges: Sequence[tuple[str, str]] = ()) -> ParticipatingBank:
    bic = bic.upper()
    if not is_valid_bic(bic):
        raise RowError("bic is not a BIC")
    for first, last in sort_code_ranges:
        if not (is_sort_code(first) and is_sort_code(last) and first <= last):
            raise RowError("a sort code range is two 6-digit sort codes, low to high")
    with session.begin():
        bank = session.scalars(select(ParticipatingBank).where(ParticipatingBank.bic == bic)
                               ).first()
        if bank is None:
            bank = ParticipatingBank(name=name, bic=bic)
            session.add(bank)
        bank.name, bank.owner_client_id = name, owner_client_id
        session.flush()
        for first, last in sort_code_ranges:
            session.add(SortCodeRange(bank_id=bank.id, first_sort_code=first,
                                      last_sort_code=last))
    return bank


def bank_by_bic(session: Session, bic: str) -> ParticipatingBank | None:
    return session.scalars(select(ParticipatingBank).where(
        ParticipatingBank.bic == bic.upper())).first()


def _owned_banks(session: Session, client_id: str) -> list[ParticipatingBank]:
    banks = list(session.scalars(select(ParticipatingBank).where(
        ParticipatingBank.owner_client_id == client_id)))
    if not banks:
        raise NotBankOwner("This client maintains no bank in the payee directory.")
    return banks


def _ranges(session: Session, banks: Sequence[ParticipatingBank]) -> dict[int, list]:
    rows = session.execute(select(SortCodeRange.bank_id, SortCodeRange.first_sort_code,
                                  SortCodeRange.last_sort_code).where(
        SortCodeRange.bank_id.in_([b.id for b in banks]))).all()
    out: dict[int, list] = {b.id: [] for b in banks}
    for bank_id, first, last in rows:
        out[bank_id].append((first, last))
    return out


def _bank_for(account: AccountInput, banks, ranges) -> ParticipatingBank:
    if account.bic:
        for bank in banks:
            if bank.bic == account.bic or bank.bic[:8] == account.bic[:8]:
                return bank
        raise RowError("bic names a bank this client does not maintain")
    if account.sort_code:
        for bank in banks:
            if any(a <= account.sort_code <= b for a, b in ranges[bank.id]):
                return bank
        raise RowError("sort_code is not in a range of a bank this client maintains")
    if len(banks) == 1:
        return banks[0]
    raise RowError("give bic: this client maintains several banks")


# --- accounts -----------------------------------------------------------------------------

def _apply(target: DirectoryAccount, account: AccountInput, bank_id: int) -> None:
    target.bank_id = bank_id
    target.sort_code, target.account_number = account.sort_code, account.account_number
    target.iban = account.iban
    target.secondary_reference = account.secondary_reference
    target.holder_type = account.holder_type
    target.holder_names = list(account.holder_names)
    target.trading_names = list(account.trading_names)
    target.organisation_ids = dict(account.organisation_ids)
    target.opted_out, target.closed = account.opted_out, account.closed
    target.switched, target.supports_checks = account.switched, account.supports_checks


def _upsert_batch(session: Session, rows: Sequence[tuple[int, AccountInput]], banks,
                  ranges, summary: UpsertSummary) -> None:
    accounts = [a for _, a in rows]
    by_scan = entities_by_scan(session, [(a.sort_code, a.account_number) for a in accounts
                                         if a.sort_code])
    by_iban = entities_by_iban(session, [a.iban for a in accounts if a.iban])
    for number, account in rows:
        try:
            bank = _bank_for(account, banks, ranges)
            scan_hit = by_scan.get((account.sort_code, account.account_number))
            iban_hit = by_iban.get(account.iban) if account.iban else None
            if scan_hit and iban_hit and scan_hit is not iban_hit:
                raise RowError("sort code/account number and iban are two different accounts")
            target = scan_hit or iban_hit
            if target is not None and target.bank_id != bank.id:
                raise RowError("the account is held by another bank")
        except RowError as exc:
            summary.rejected.append((number, str(exc)))
            continue
        if target is None:
            target = DirectoryAccount()
            session.add(target)
            summary.created += 1
        else:
            if target.iban and target.iban != account.iban:
                by_iban.pop(target.iban, None)
            summary.updated += 1
        _apply(target, account, bank.id)
        if account.sort_code:
            by_scan[(account.sort_code, account.account_number)] = target
        if account.iban:
            by_iban[account.iban] = target


def upsert_accounts(session: Session, client_id: str | None,
                    rows: Iterable[tuple[int, AccountInput]], *, bank_bic: str | None = None,
                    summary: UpsertSummary | None = None) -> UpsertSummary:
    """Create or update accounts, in batches of a thousand, one transaction per batch.

    For the API `client_id` is the calling ASPSP (its own banks only); for the import
    command `bank_bic` names the bank and `client_id` is None.
    """
    summary = summary or UpsertSummary()
    batch: list[tuple[int, AccountInput]] = []

    def flush_batch():
        with session.begin():
            if bank_bic is not None:
                bank = bank_by_bic(session, bank_bic)
                if bank is None:
                    raise NotBankOwner(f"No participating bank with BIC {bank_bic}.")
                banks = [bank]
            else:
                banks = _owned_banks(session, client_id)
            _upsert_batch(session, batch, banks, _ranges(session, banks), summary)
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= BATCH:
            flush_batch()
    if batch:
        flush_batch()
    return summary


def upsert_from_api(session: Session, client_id: str, raw_accounts: Sequence[dict]
                    ) -> UpsertSummary:
    """The ASPSP API: validate each record, then upsert the valid ones for the caller's banks.

    Rows are numbered from 0, as positions in the request's `Data.Accounts`.
    """
    summary = UpsertSummary()
    rows = []
    for index, raw in enumerate(raw_accounts):
        try:
            rows.append((index, parse_account(raw)))
        except RowError as exc:
            summary.rejected.append((index, str(exc)))
    with session.begin():
        _owned_banks(session, client_id)  # refuse a client without a bank before any work
    upsert_accounts(session, client_id, rows, summary=summary)
    summary.rejected.sort()
    return summary


def delete_account(session: Session, client_id: str, identification: str) -> None:
    """Remove an account of one of the client's banks (by 14-digit UK id or IBAN)."""
    with session.begin():
        banks = _owned_banks(session, client_id)
        scan = split_scan(identification)
        if scan:
            found = entities_by_scan(session, [scan]).get(scan)
        else:
            iban = compact_iban(identification)
            found = entities_by_iban(session, [iban]).get(iban)
        if found is None or found.bank_id not in {b.id for b in banks}:
            raise AccountNotFound("No such account at a bank this client maintains.")
        session.delete(found)


def directory_is_empty(session: Session) -> bool:
    return session.scalars(select(ParticipatingBank.id).limit(1)).first() is None


