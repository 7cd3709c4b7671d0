"""Account records as a bank sends them: a row of an import file (`flask cop import`) or an
account of the ASPSP API, validated into one `AccountInput`.

Both ways go through `parse_account`, so a row is refused for the same reasons whichever way it
arrives. Reasons never quote a name or an account number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cop import organisations
from cop.identifiers import (
    compact_iban,
    iban_problem,
    is_account_number,
    is_sort_code,
    is_valid_bic,
)
from cop.models import HOLDER_TYPES

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
