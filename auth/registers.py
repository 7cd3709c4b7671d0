"""Regulator registers of payment institutions, read from the files their publishers give out.

- The EBA's PSD2 register (Payment Institutions Register, `euclid.eba.europa.eu`): one JSON
  document `[[disclaimer…], [entity, …]]`. An entity has `CA_OwnerID` (`DE_BAFIN`),
  `EntityType` (`PSD_PI`, `PSD_EMI`, `PSD_AISP` are authorisations; agents, branches and
  exempted institutions are not), `Properties` (`ENT_NAM`, `ENT_NAT_REF_COD`, `ENT_COU_RES`,
  `ENT_AUT`: dates alternating authorised / withdrawn) and `Services` per host country
  (`PS_070` payment initiation, `PS_080` account information, `PS_050` issuing instruments).
  The EBA serves it zipped (`register/api/filemetadata` names the latest zip); the zip is read
  as it is.
  Banks are not in it: credit institutions have their own register.
- The UK FCA register: its API answers firm by firm (`/Firm/{FRN}` and
  `/Firm/{FRN}/Permissions`, each `{Status, ResultInfo, Message, Data}`). Here: JSON Lines, one
  firm a line, `{"firm": <either answer or its Data>, "permissions": <the same>}`;
  `auth.registers_fca` reads its other shapes (one JSON answer or array of firms, CSV).

Both become `Entry`s keyed like a certificate's organizationIdentifier (`PSDGB-FCA-123456`),
normalised so that punctuation in national reference numbers does not matter. The files are
read as streams, an entity at a time, so a register of any size fits in memory.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from auth.eidas import parse_organization_identifier

EBA_AUTHORISATIONS = ("PSD_PI", "PSD_EMI", "PSD_AISP")
EBA_SERVICES = {"PS_070": "PSP_PI", "PS_080": "PSP_AI", "PS_050": "PSP_IC"}
FCA_PERMISSIONS = {"account information": "PSP_AI", "payment initiation": "PSP_PI"}
FCA_AUTHORISED = ("authorised", "registered", "eea authorised")
CHUNK = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"


class RegisterFormatError(ValueError):
    """The file is not in the register's format; the message says where."""


@dataclass(frozen=True)
class Entry:
    register_key: str
    source: str
    authority: str
    name: str
    psd2_roles: tuple[str, ...]
    authorised: bool


def _alnum(value: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


def register_key(country: str, authority: str, reference: str) -> str:
    return f"PSD{country.upper()}-{_alnum(authority)}-{_alnum(reference)}"


def key_of_organization_identifier(value: str) -> str:
    country, authority, reference = parse_organization_identifier(value)
    return register_key(country, authority, reference)


def json_array_items(stream: IO[bytes], progress: Callable[[int], None] = lambda n: None,
                     depth: int = 1) -> Iterator[object]:
    """Each value nested `depth` arrays deep in a JSON document, decoded one at a time."""
    decoder, buffer, done, level = json.JSONDecoder(), "", False, 0
    pos = 0

    def more() -> bool:
        nonlocal buffer, pos, done
        data = stream.read(CHUNK)
        progress(len(data))
        if not data:
            done = True
            return False
        buffer = buffer[pos:] + data.decode("utf-8", errors="replace")
        pos = 0
        return True

    while True:
        while pos < len(buffer) and buffer[pos] in " \t\r\n,\ufeff":
            pos += 1
        if pos >= len(buffer):
            if not more():
                break
            continue
        char = buffer[pos]
        if char == "[" and level < depth:
            level, pos = level + 1, pos + 1
        elif char == "]" and level > 0:
            level, pos = level - 1, pos + 1
        elif level == depth:
            try:
                value, end = decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError as exc:
                if not done and more():
                    continue
                raise RegisterFormatError(f"not JSON near character {exc.pos}") from exc
            if end == len(buffer) and not done and more():
                continue  # a number may go on in the next chunk
            pos = end
            yield value
        else:
            raise RegisterFormatError("expected a JSON array of arrays of entities")
    if level:
        raise RegisterFormatError("the file ends inside an array")


def _properties(entity: dict) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in entity.get("Properties") or []:
        for name, value in (item.items() if isinstance(item, dict) else ()):
            values = value if isinstance(value, list) else [value]
            found.setdefault(name, []).extend(str(v) for v in values if v is not None)
    return found


def eba_entry(entity) -> Entry | None:
    """The entity as an Entry, or None for what is not a PSD2 authorisation."""
    if not isinstance(entity, dict) or entity.get("EntityType") not in EBA_AUTHORISATIONS:
        return None
    owner = str(entity.get("CA_OwnerID") or "")
    country, _, authority = owner.partition("_")
    props = _properties(entity)
    reference = (props.get("ENT_NAT_REF_COD") or [""])[0]
    if len(country) != 2 or not authority or not _alnum(reference):
        return None
    roles: dict[str, None] = {}
    for per_country in entity.get("Services") or []:
        for services in (per_country.values() if isinstance(per_country, dict) else ()):
            for code in services if isinstance(services, list) else [services]:
                if code in EBA_SERVICES:
                    roles[EBA_SERVICES[code]] = None
    authorised = len(props.get("ENT_AUT", [])) % 2 == 1
    names = props.get("ENT_NAM") or [entity.get("EntityCode") or reference]
    return Entry(register_key(country, authority, reference), "eba",
                 f"{country.upper()}-{_alnum(authority)}", names[-1][:500], tuple(roles),
                 authorised)


def eba_entries(stream: IO[bytes], progress=lambda n: None) -> Iterator[Entry]:
    """The register's JSON, or the zip the EBA serves it in (one .json file inside)."""
    if stream.read(len(ZIP_MAGIC)) == ZIP_MAGIC:
        stream.seek(0)
        stream, progress = _json_in_zip(stream, progress)
    else:
        stream.seek(0)
    try:
        for entity in json_array_items(stream, progress, depth=2):
            entry = eba_entry(entity)
            if entry is not None:
                yield entry
    except zipfile.BadZipFile as exc:
        raise RegisterFormatError(f"the zip file is damaged: {exc}") from exc


def _json_in_zip(stream: IO[bytes], progress: Callable[[int], None]):
    """The zip's one JSON file, and a progress callback counting in the zip's bytes."""
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile as exc:
        raise RegisterFormatError("the zip file cannot be read") from exc
    members = [m for m in archive.infolist() if m.filename.lower().endswith(".json")]
    if len(members) != 1:
        raise RegisterFormatError("the zip must hold exactly one .json file, the register")
    ratio = members[0].compress_size / max(1, members[0].file_size)
    return archive.open(members[0]), lambda n: progress(round(n * ratio))


def _data(answer) -> object:
    return answer.get("Data", answer) if isinstance(answer, dict) else answer


def fca_entry(record) -> Entry:
    if not isinstance(record, dict):
        raise RegisterFormatError("each line must be {\"firm\": …, \"permissions\": …}")
    firm = _data(record.get("firm"))
    firm = firm[0] if isinstance(firm, list) and firm else firm
    if not isinstance(firm, dict) or not str(firm.get("FRN") or "").strip():
        raise RegisterFormatError("a firm without FRN")
    permissions = _data(record.get("permissions")) or {}
    return Entry(register_key("GB", "FCA", str(firm["FRN"])), "fca", "GB-FCA",
                 str(firm.get("Organisation Name") or firm["FRN"])[:500],
                 fca_roles(permissions if isinstance(permissions, dict) else ()),
                 fca_authorised(str(firm.get("Status") or "")))


def fca_roles(activities) -> tuple[str, ...]:
    """The PSD2 roles a firm's register activities grant (`Account Information Services`)."""
    roles: dict[str, None] = {}
    for activity in activities:
        for words, role in FCA_PERMISSIONS.items():
            if words in str(activity).lower():
                roles[role] = None
    return tuple(roles)


def fca_authorised(status: str) -> bool:
    return status.strip().lower() in FCA_AUTHORISED


def fca_entries(stream: IO[bytes], progress=lambda n: None) -> Iterator[Entry]:
    for number, line in enumerate(stream, 1):
        progress(len(line))
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise RegisterFormatError(f"line {number} is not JSON") from exc
        try:
            yield fca_entry(record)
        except RegisterFormatError as exc:
            raise RegisterFormatError(f"line {number}: {exc}") from exc
