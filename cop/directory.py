"""Directory maintenance: banks, and the accounts their holders' names are checked against.

Used by the ASPSP API (a bank maintains its own accounts) and by `flask cop import` (an
operator loads a file for one bank), both with records validated by `cop/records.py`. Each
batch of a thousand accounts is one unit of work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.errors import AccountNotFound, NotBankOwner
from cop.identifiers import compact_iban, is_sort_code, is_valid_bic, split_scan
from cop.lookups import entities_by_iban, entities_by_scan
from cop.models import DirectoryAccount, ParticipatingBank, SortCodeRange
from cop.records import AccountInput, RowError, parse_account
from core.db import unit_of_work

BATCH = 1000


@dataclass
class UpsertSummary:
    created: int = 0
    updated: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row number, reason)


# --- banks --------------------------------------------------------------------------------

def register_bank(session: Session, *, name: str, bic: str, owner_client_id: str | None,
                  sort_code_ranges: Sequence[tuple[str, str]] = ()) -> ParticipatingBank:
    bic = bic.upper()
    if not is_valid_bic(bic):
        raise RowError("bic is not a BIC")
    for first, last in sort_code_ranges:
        if not (is_sort_code(first) and is_sort_code(last) and first <= last):
            raise RowError("a sort code range is two 6-digit sort codes, low to high")
    with unit_of_work(session):
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
        with unit_of_work(session):
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
    with unit_of_work(session):
        _owned_banks(session, client_id)  # refuse a client without a bank before any work
    upsert_accounts(session, client_id, rows, summary=summary)
    summary.rejected.sort()
    return summary


def delete_account(session: Session, client_id: str, identification: str) -> None:
    """Remove an account of one of the client's banks (by 14-digit UK id or IBAN)."""
    with unit_of_work(session):
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


