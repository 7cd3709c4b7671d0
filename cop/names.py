"""Given-name knowledge as data: nicknames, spelling and romanisation variants, common names.

The matcher must tell "Bob" for "Robert" (a close match a payer makes every day) from "Mark" for
"Mary" (another person). Guessing from edit distance cannot do that, so the relations are listed
here, and a name is only treated as a nickname or variant when a table says so.

The tables are data in `cop/data/` (`nicknames.py`, `common_names.py`, `given_names.py`,
`particles.py`); this module folds them into the matcher's normalised form (lower-case ASCII,
one word) and works out the relations once, at import, so a lookup is one set or dict probe.
"""

from __future__ import annotations

from cop.data import common_names as _common
from cop.data import given_names as _eu
from cop.data import nicknames as _nicknames
from cop.data import particles as _particles
from cop.normalise import fold

# Formal name -> the short forms and pet names people use for it in everyday payments.
NICKNAMES: dict[str, tuple[str, ...]] = dict(_nicknames.NICKNAMES)

# Spellings and romanisations of one name: a close match, never a match.
VARIANT_GROUPS: tuple[frozenset[str], ...] = tuple(
    frozenset(group.split()) for group in _common.VARIANT_GROUPS
)

# Family names that come first, followed by a middle name such as "Van" (Vietnamese).
FAMILY_FIRST_SURNAMES: frozenset[str] = frozenset(_common.FAMILY_FIRST_SURNAMES.split())


def name_keys(name: str) -> tuple[str, ...]:
    """A name as written -> its matcher forms (expanded and plain letters), one word each."""
    return tuple(dict.fromkeys("".join(form.split()) for form in fold(name)))


def _merge_eu_tables() -> tuple[list[frozenset[str]], set[tuple[str, str]], list[str]]:
    """Fold the EU tables of `cop/data/given_names.py` into the tables above."""
    for line in _eu.SHORT_FORMS.strip().splitlines():
        formal, shorts = (part.strip() for part in line.split("|"))
        nicks = {key for short in shorts.split(";") for key in name_keys(short.strip())}
        for key in name_keys(formal):
            NICKNAMES[key] = tuple(sorted(set(NICKNAMES.get(key, ())) | (nicks - {key})))
    variants = [
        frozenset(key for name in line.split() for key in name_keys(name))
        for line in _eu.VARIANTS.strip().splitlines()
    ]
    gendered: set[tuple[str, str]] = set()
    for pair in _eu.GENDERED.replace("\n", "|").split("|"):
        if not pair.strip():
            continue
        one, other = pair.split()
        for a in name_keys(one):
            for b in name_keys(other):
                gendered.update({(a, b), (b, a)})
    common = [key for name in _eu.COMMON.split() for key in name_keys(name)]
    common += [name for pair in gendered for name in pair]
    return variants, gendered, common


_EU_VARIANTS, GENDERED_PAIRS, _EU_COMMON = _merge_eu_tables()
VARIANT_GROUPS = VARIANT_GROUPS + tuple(_EU_VARIANTS)

# Words that belong to a surname ("de la Fontaine", "El-Khoury", "Abdel Aziz", "van der
# Berg"), and German noble titles, part of the surname since 1919 ("Freiherr von Stein"):
# leaving one out changes the surname less than leaving out a name.
PARTICLES: frozenset[str] = frozenset(
    "abd abdul abdel".split() + [k for w in _particles.PARTICLES.split() for k in name_keys(w)]
)
NOBLE_TITLES: frozenset[str] = frozenset(
    key for word in _particles.NOBLE_TITLES.split() for key in name_keys(word)
)

GIVEN_NAMES: frozenset[str] = frozenset(
    _common.COMMON.split()
    + _EU_COMMON
    + list(NICKNAMES)
    + [nick for nicks in NICKNAMES.values() for nick in nicks]
    + [name for group in VARIANT_GROUPS for name in group]
)

_NICK_TO_FORMAL: dict[str, set[str]] = {}
for _formal, _nicks in NICKNAMES.items():
    for _nick in _nicks:
        _NICK_TO_FORMAL.setdefault(_nick, set()).add(_formal)

_VARIANT_OF: dict[str, frozenset[str]] = {}
for _group in VARIANT_GROUPS:
    for _name in _group:
        _VARIANT_OF[_name] = _VARIANT_OF.get(_name, frozenset()) | _group


def _formal_forms(name: str) -> frozenset[str] | tuple[str]:
    """The formal names `name` stands for: itself and, for a variant, its other spellings."""
    return _VARIANT_OF.get(name) or (name,)


def _nickname_partners() -> dict[str, frozenset[str]]:
    """Every name -> the names `are_nicknames` relates it to, worked out once from the tables.

    Nicknames of one of its spellings; names one of whose spellings it is a nickname of; and,
    for a short form, the other short forms of the same formal name.
    """
    partners: dict[str, set[str]] = {}
    for formal, nicks in NICKNAMES.items():
        for form in _formal_forms(formal):
            for nick in nicks:
                partners.setdefault(form, set()).add(nick)
                partners.setdefault(nick, set()).add(form)
    for nicks in NICKNAMES.values():
        shared = set(nicks) - NICKNAMES.keys()
        for nick in shared:
            partners.setdefault(nick, set()).update(shared - {nick})
    return {name: frozenset(others - {name}) for name, others in partners.items()}


_NICKNAME_PARTNERS = _nickname_partners()

# Every name some relation above applies to: two words not both in here are related by
# nothing but spelling, which spares the table lookups for most pairs of words.
RELATED_NAMES: frozenset[str] = frozenset(
    [name for pair in GENDERED_PAIRS for name in pair] + list(_VARIANT_OF)
    + list(_NICKNAME_PARTNERS)
)


def are_gendered(a: str, b: str) -> bool:
    """Masculine and feminine forms of one name (Giovanni, Giovanna): two people."""
    return (a, b) in GENDERED_PAIRS


def are_variants(a: str, b: str) -> bool:
    return a != b and b in _VARIANT_OF.get(a, ())


def are_nicknames(a: str, b: str) -> bool:
    """True when one name is a listed short form of the other (or of one of its spellings).

    Two short forms of the same formal name ("rob", "bob") count too; two formal names that
    merely share a short form ("patrick", "patricia" both give "pat") do not.
    """
    return b in _NICKNAME_PARTNERS.get(a, ())


def is_given_name(name: str) -> bool:
    return name in GIVEN_NAMES
