"""Storage access on the check path: find accounts by identifier, write audit rows.

A check is one indexed read: by `(sort_code, account_number)` or by `iban`, both unique
indexes, joined by primary key to the account's bank for its BIC. A batch is read the same
way, many keys per statement: on PostgreSQL one statement for the whole batch (`unnest` of two
arrays joined to the index, a constant SQL text that is prepared once), elsewhere chunks of a
thousand `IN` keys. Names come back as JSON text and are parsed here, once per account, only
when present.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Text, cast, insert, select, tuple_
from sqlalchemy.orm import Session

from cop.models import CheckAudit, DirectoryAccount, ParticipatingBank, SortCodeRange
from core.db import driver_connection

CHUNK = 1000
_TABLE = DirectoryAccount.__table__
_FLAGS = ("sort_code", "account_number", "iban", "secondary_reference", "holder_type",
          "opted_out", "closed", "switched", "supports_checks")
_JSON = ("holder_names", "trading_names", "organisation_ids")
_BANKS = ParticipatingBank.__table__
_COLUMNS = (*(_TABLE.c[name] for name in _FLAGS),
            *(cast(_TABLE.c[name], Text).label(name) for name in _JSON), _BANKS.c.bic)
_FROM = _TABLE.join(_BANKS, _BANKS.c.id == _TABLE.c.bank_id)

# Arrays travel as one text parameter joined with the unit separator (chr 31) and are split by
# the server: psycopg builds array parameters in Python, and for a 10,000-payee batch that cost
# more than the statements. None is sent as '' and comes back NULL (an array of one NULL comes
# back empty, which `unnest` pads with NULL: the same). No value here can hold chr(31): they
# are validated identifiers, hex digests and codes.
SEPARATOR = "\x1f"


def _array(name: str) -> str:
    return f"string_to_array(%({name})s, chr(31), '')"


_ACCOUNT_COLUMNS = (
    "SELECT a.sort_code, a.account_number, a.iban, a.secondary_reference, a.holder_type, "
    "a.opted_out, a.closed, a.switched, a.supports_checks, CAST(a.holder_names AS TEXT), "
    "CAST(a.trading_names AS TEXT), CAST(a.organisation_ids AS TEXT), b.bic ")
_PG_BY_SCAN = (
    _ACCOUNT_COLUMNS + f"FROM unnest({_array('sort_codes')}, {_array('numbers')}) AS k(sc, an) "
    "JOIN cop_accounts AS a ON a.sort_code = k.sc AND a.account_number = k.an "
    "JOIN cop_banks AS b ON b.id = a.bank_id")
_PG_BY_IBAN = (
    _ACCOUNT_COLUMNS + "FROM cop_accounts AS a JOIN cop_banks AS b ON b.id = a.bank_id "
    f"WHERE a.iban = ANY({_array('ibans')})")
_PG_AUDIT = (
    "INSERT INTO cop_check_audit (client_id, scheme, request_id, account_hash, name_hash, "
    "outcome, reason_code, rule, name_disclosed, created_at) "
    "SELECT %(client_id)s, %(scheme)s, %(request_id)s, u.account_hash, u.name_hash, "
    "u.outcome, u.reason_code, u.rule, u.name_disclosed, %(created_at)s "
    # The check's commit skips the WAL flush wait (see `insert_audit`): set in this statement
    # rather than a `SET LOCAL` of its own, one round trip fewer per check.
    "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed(setting), "
    f"unnest({_array('account_hash')}, {_array('name_hash')}, {_array('outcome')}, "
    f"{_array('reason_code')}, {_array('rule')}, "
    f"CAST({_array('name_disclosed')} AS BOOLEAN[])) "
    "AS u(account_hash, name_hash, outcome, reason_code, rule, name_disclosed)")
_PG_RANGES = (
    "SELECT first_sort_code, last_sort_code FROM cop_sort_code_ranges "
    "WHERE first_sort_code <= %(highest)s AND last_sort_code >= %(lowest)s")
AUDIT_COLUMNS = ("account_hash", "name_hash", "outcome", "reason_code", "rule", "name_disclosed")


class AccountView(NamedTuple):
    """What a check reads of an account. A tuple: a 10,000-payee batch builds one per
    account, and a frozen dataclass's `__init__` cost a tenth of the batch's CPU."""

    sort_code: str | None
    account_number: str | None
    iban: str | None
    secondary_reference: str | None
    holder_type: str
    opted_out: bool
    closed: bool
    switched: bool
    supports_checks: bool
    holder_names: tuple[str, ...]
    trading_names: tuple[str, ...]
    organisation_ids: dict[str, str]
    bank_bic: str


def _view(row: Sequence[Any]) -> AccountView:
    names, trading, ids = row[9], row[10], row[11]
    return _new_view(AccountView, (
        *row[:9], tuple(json.loads(names)),
        tuple(json.loads(trading)) if trading and trading != "[]" else (),
        json.loads(ids) if ids and ids != "{}" else {}, row[12]))


_new_view = tuple.__new__


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _chunks(values: Sequence, size: int = CHUNK):
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), size):
        yield unique[start : start + size]


def _pg(session: Session, statement: str, params: dict[str, Any], rows: bool = True) -> list:
    """Run one of this module's constant statements on the session's psycopg connection.

    These few statements are the whole database work of a check, and SQLAlchemy's execution
    layer (compiled-cache lookup, result proxy, type processors) cost as much CPU as psycopg
    itself for them; their SQL is fixed text with typed array parameters, prepared once per
    connection, so the driver is called directly. Everything else goes through SQLAlchemy.
    In the check's `statements="each"` unit of work that connection is in autocommit.
    """
    with driver_connection(session).cursor() as cursor:
        cursor.execute(statement, params, prepare=True)
        return cursor.fetchall() if rows else []


_TEXT = {None: "", True: "t", False: "f"}


def _joined(values: Iterable) -> str:
    """An array parameter as text (see SEPARATOR): None is '', booleans are t/f."""
    text = _TEXT
    return SEPARATOR.join([v if v.__class__ is str else text.get(v, v) for v in values])


def by_scan(session: Session, keys: Sequence[tuple[str, str]]) -> dict:
    """Accounts by (sort code, account number)."""
    if _postgres(session):
        unique = list(dict.fromkeys(keys))
        rows = _pg(session, _PG_BY_SCAN, {"sort_codes": _joined(k[0] for k in unique),
                                          "numbers": _joined(k[1] for k in unique)})
    else:
        connection = session.connection()
        rows = (row for chunk in _chunks(keys) for row in connection.execute(
            select(*_COLUMNS).select_from(_FROM).where(
                tuple_(_TABLE.c.sort_code, _TABLE.c.account_number).in_(chunk))))
    return {(v.sort_code, v.account_number): v for v in map(_view, rows)}


def by_iban(session: Session, ibans: Sequence[str]) -> dict:
    if _postgres(session):
        rows = _pg(session, _PG_BY_IBAN, {"ibans": _joined(dict.fromkeys(ibans))})
    else:
        connection = session.connection()
        rows = (row for chunk in _chunks(ibans) for row in connection.execute(
            select(*_COLUMNS).select_from(_FROM).where(_TABLE.c.iban.in_(chunk))))
    return {v.iban: v for v in map(_view, rows)}


def entities_by_scan(session: Session, keys: Sequence[tuple[str, str]]) -> dict:
    """ORM objects, for directory maintenance (which updates them)."""
    found = {}
    for chunk in _chunks(keys):
        query = select(DirectoryAccount).where(
            tuple_(DirectoryAccount.sort_code, DirectoryAccount.account_number).in_(chunk))
        for account in session.scalars(query):
            found[(account.sort_code, account.account_number)] = account
    return found


def entities_by_iban(session: Session, ibans: Sequence[str]) -> dict:
    found = {}
    for chunk in _chunks(ibans):
        for account in session.scalars(select(DirectoryAccount).where(
                DirectoryAccount.iban.in_(chunk))):
            found[account.iban] = account
    return found


def served_sort_codes(session: Session, sort_codes: Iterable[str]) -> set[str]:
    """Which of `sort_codes` a participating bank answers for (only asked on a miss)."""
    wanted = set(sort_codes)
    if not wanted:
        return set()
    if _postgres(session):  # one of the check path's constant statements (see `_pg`)
        ranges = _pg(session, _PG_RANGES, {"highest": max(wanted), "lowest": min(wanted)})
    else:
        ranges = session.connection().execute(
            select(SortCodeRange.first_sort_code, SortCodeRange.last_sort_code)
            .where(SortCodeRange.first_sort_code <= max(wanted),
                   SortCodeRange.last_sort_code >= min(wanted))
        ).all()
    return {sc for sc in wanted if any(first <= sc <= last for first, last in ranges)}


def insert_audit(session: Session, common: dict[str, Any], rows: list[dict[str, Any]]) -> None:
    """Audit rows of one request: `common` (client, scheme, request id, time) plus per row."""
    insert_audit_columns(session, common, {c: [r[c] for r in rows] for c in AUDIT_COLUMNS})


def insert_audit_columns(session: Session, common: dict[str, Any],
                         columns: dict[str, list[Any]]) -> None:
    """Audit rows of one request: `common` (client, scheme, request id, time) plus one list
    per column of AUDIT_COLUMNS, a value per row.

    On PostgreSQL the statement also sets `synchronous_commit` off for this transaction only:
    the check's commit does not wait for the WAL flush. A check changes nothing but its audit
    rows; a crash may lose the last fraction of a second of them, never corrupt anything.
    Waiting for the disk on every check would cap throughput at the disk's flush rate (5 ms
    against 0.4 ms per commit, measured). Consents, tokens and directory changes keep full
    durability: this is the check's own transaction only.
    """
    if _postgres(session):
        params = {**common, **{c: _joined(columns[c]) for c in AUDIT_COLUMNS}}
        _pg(session, _PG_AUDIT, params, rows=False)
    else:
        session.connection().execute(insert(CheckAudit.__table__), [
            {**common, **dict(zip(AUDIT_COLUMNS, values, strict=True))}
            for values in zip(*(columns[c] for c in AUDIT_COLUMNS), strict=True)])
