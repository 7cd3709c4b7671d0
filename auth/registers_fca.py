"""The UK FCA Financial Services Register, in the shapes the FCA publishes it.

The register's data come from its API (`register.fca.org.uk/services/V0.1`): `/Firm/{FRN}`
answers `{Status, ResultInfo, Message, Data: [{"FRN", "Organisation Name", "Status", …}]}` and
`/Firm/{FRN}/Permissions` answers `{…, Data: {<activity>: [{"Limitation": […]}, …]}}`, the
payment services among the activities (`Account Information Services`, `Payment Initiation
Services`). Three files carry them here:

- JSON Lines, one firm a line: `{"firm": <firm answer or its Data>, "permissions": <the
  permissions answer or its Data>}` (`auth.registers.fca_entries`);
- one JSON document: a firm answer, or an array of firm records, each optionally with its
  permissions' `Data` under `"Permissions"`;
- CSV with a header row naming the same fields (`FRN`, `Organisation Name`, `Status`) and the
  firm's activities in `Permission` (one a row, a firm on several rows) or `Permissions`
  (several in one cell, separated by `;` or `|`). The register's bulk extract and its
  website's downloads spell some headings out (`Firm Reference Number`, `Firm Name`,
  `Current Status`, `Regulated Activity`); those are read the same way.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Iterator
from typing import IO

from auth.registers import (
    Entry,
    RegisterFormatError,
    fca_authorised,
    fca_entry,
    fca_roles,
    json_array_items,
    register_key,
)

COLUMNS = {
    "frn": ("frn", "firm reference number", "reference number"),
    "name": ("organisation name", "firm name", "name"),
    "status": ("status", "current status", "firm status", "authorisation status"),
    "permission": ("permission", "permissions", "activity", "activities",
                   "regulated activity", "regulated activities"),
}


def fca_json_entries(stream: IO[bytes], progress=lambda n: None) -> Iterator[Entry]:
    """A firm answer of the register's API, or an array of its firm records."""
    head = stream.read(64).lstrip(codecs.BOM_UTF8 + b" \t\r\n")
    stream.seek(0)
    if not head.startswith(b"["):
        for answer in json_array_items(_AsArray(stream), progress, depth=1):
            yield from _firms(answer.get("Data") if isinstance(answer, dict) else None)
        return
    yield from _firms(json_array_items(stream, progress, depth=1))


def _firms(data) -> Iterator[Entry]:
    if data is None or isinstance(data, dict | str):
        raise RegisterFormatError("expected an FCA register answer with a Data array of firms")
    for number, firm in enumerate(data, 1):
        try:
            yield _firm_entry(firm)
        except RegisterFormatError as exc:
            raise RegisterFormatError(f"firm {number}: {exc}") from exc


def _firm_entry(firm) -> Entry:
    if not isinstance(firm, dict):
        raise RegisterFormatError("a firm must be a JSON object")
    return fca_entry({"firm": firm, "permissions": firm.get("Permissions") or {}})


class _AsArray:
    """A stream of one JSON object read as if it were the array `[object]`."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._parts = [b"["]
        self._stream = stream
        self._closed = False

    def read(self, size: int) -> bytes:
        if self._parts:
            return self._parts.pop()
        if self._closed:
            return b""
        data = self._stream.read(size)
        if not data:
            self._closed = True
            return b"]"
        return data


def _column(header: list[str], field: str) -> int | None:
    names = [name.strip().lstrip("\ufeff").lower() for name in header]
    for alias in COLUMNS[field]:
        if alias in names:
            return names.index(alias)
    return None


def fca_csv_entries(stream: IO[bytes], progress=lambda n: None) -> Iterator[Entry]:
    """Firms of a CSV extract; a firm on several rows (one per activity) is one entry."""
    lines = _lines(stream, progress)
    reader = csv.reader(lines)
    header = next(reader, None)
    if not header:
        raise RegisterFormatError("the CSV file is empty")
    index = {field: _column(header, field) for field in COLUMNS}
    if index["frn"] is None or index["status"] is None:
        raise RegisterFormatError("the CSV header must name the columns FRN (or Firm "
                                  "Reference Number) and Status (or Current Status)")
    firms: dict[str, dict] = {}
    try:
        _collect(reader, index, firms)
    except csv.Error as exc:
        raise RegisterFormatError(f"line {reader.line_num}: {exc}") from exc
    for firm in firms.values():
        yield Entry(register_key("GB", "FCA", firm["FRN"]), "fca", "GB-FCA",
                    (firm["Organisation Name"] or firm["FRN"])[:500],
                    fca_roles(firm["activities"]), fca_authorised(firm["Status"]))


def _collect(reader, index: dict[str, int | None], firms: dict[str, dict]) -> None:
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        frn = _cell(row, index["frn"])
        if not frn:
            raise RegisterFormatError(f"line {reader.line_num}: a row without FRN")
        firm = firms.setdefault(frn, {"FRN": frn, "Status": "", "Organisation Name": "",
                                      "activities": []})
        for key, field in (("Status", "status"), ("Organisation Name", "name")):
            firm[key] = firm[key] or _cell(row, index[field])
        activities = _cell(row, index["permission"])
        firm["activities"] += [a.strip() for a in activities.replace("|", ";").split(";")
                               if a.strip()]


def _cell(row: list[str], column: int | None) -> str:
    return row[column].strip() if column is not None and column < len(row) else ""


def _lines(stream: IO[bytes], progress) -> Iterator[str]:
    for raw in stream:
        progress(len(raw))
        yield raw.decode("utf-8-sig", errors="replace")
