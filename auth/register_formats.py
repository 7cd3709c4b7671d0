"""Which register file this is, from its first bytes, and the reader for it.

- `eba`: the EBA PSD2 register, JSON `[[disclaimer…], [entity, …]]`, or the zip it comes in;
- `fca`: JSON Lines of FCA register API answers, `{"firm": …, "permissions": …}` a line;
- `fca-json`: one FCA register API firm answer, or a JSON array of its firm records;
- `fca-csv`: a CSV extract of the FCA register with a header row.
"""

from __future__ import annotations

import codecs
import re
from typing import IO

from auth.registers import ZIP_MAGIC, eba_entries, fca_entries
from auth.registers_fca import fca_csv_entries, fca_json_entries

READERS = {"eba": eba_entries, "fca": fca_entries, "fca-json": fca_json_entries,
           "fca-csv": fca_csv_entries}
# what an import is recorded as: the register, whatever the file's shape
SOURCES = {"eba": "eba", "fca": "fca", "fca-json": "fca", "fca-csv": "fca"}
_JSON_LINE = re.compile(rb'^\{\s*"(firm|permissions)"\s*:')


def detect(stream: IO[bytes]) -> str:
    """The format of a register file (see the module's list); the stream is rewound."""
    head = stream.read(4096)
    stream.seek(0)
    if head.startswith(ZIP_MAGIC):
        return "eba"
    text = head.lstrip(codecs.BOM_UTF8).lstrip()
    if text.startswith(b"["):
        rest = text[1:].lstrip()
        return "eba" if rest.startswith(b"[") or not rest else "fca-json"
    if text.startswith(b"{"):
        return "fca" if _JSON_LINE.match(text) else "fca-json"
    return "fca-csv"
