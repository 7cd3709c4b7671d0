"""Short forms and pet names of given names, English and the other languages payers write in.

The table is `nicknames.txt` beside this module, one formal name a line (`robert: bob bobby
rob`), in the matcher's normalised form (lower-case ASCII, one word); `cop/names.py` merges
it with the EU tables of `given_names.py`. A short form is a close match for its formal name.
"""

from __future__ import annotations

from pathlib import Path


def _read(path: Path) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        formal, colon, short = line.partition(":")
        if not colon or not formal.strip() or not short.split():
            raise ValueError(f"{path.name}:{number}: write 'formal: short short …'")
        table[formal.strip()] = tuple(short.split())
    return table


# Formal name -> the short forms and pet names people use for it in everyday payments.
NICKNAMES: dict[str, tuple[str, ...]] = _read(Path(__file__).with_name("nicknames.txt"))
