"""Reading the order of a person's name: "Family, Given" and family-name-first names.

The rules compare a given name first and a surname last. Registers and payers also write
"Müller, Hans" or "Vries, Jan de" (the Dutch sorted form, particle after the given name), and
Hungarian names put the family name first ("Nagy Zoltán"). Both are turned into given-first
order before comparing, so that an initial, an omitted middle name or a middle name used as a
first name is recognised whatever the order. Pure functions on a name's words.
"""

from __future__ import annotations

from cop.data import name_order as _data
from cop.names import PARTICLES, is_given_name, name_keys
from cop.normalise import SUFFIXES, TITLES, Token, fold

HUNGARIAN_FAMILY_NAMES: frozenset[str] = frozenset(
    key for name in _data.HUNGARIAN_FAMILY_NAMES.split() for key in name_keys(name)
)
FAMILY_FIRST_COUNTRIES: frozenset[str] = frozenset(_data.FAMILY_FIRST_COUNTRIES.split())


def uncomma(display: str) -> str:
    """"Müller, Hans" -> "Hans Müller"; "Vries, Jan de" -> "Jan de Vries"; else unchanged.

    Only one comma, a name on each side, and a given side that is more than post-nominals
    ("John Smith, Jr." stays as it is).
    """
    if display.count(_data.COMMA) != 1:
        return display
    family, given = (part.strip() for part in display.split(_data.COMMA))
    words = given.split()
    if not family or not words:
        return display
    folded = [fold(word)[0] for word in words]
    if all(word in SUFFIXES or word in TITLES for word in folded):
        return display
    particles: list[str] = []
    while len(words) > 1 and folded[-1] in PARTICLES:
        particles.insert(0, words.pop())
        folded.pop()
    return " ".join([*words, *particles, family])


def _is_given(token: Token) -> bool:
    return is_given_name(token.text) or is_given_name(token.alt)


def family_first(tokens: tuple[Token, ...], country: str | None) -> tuple[Token, ...]:
    """Tokens of a family-name-first name in given-first order; other names unchanged.

    Family-first needs evidence in the name: a family name that is not also a given name,
    followed by a given name. The family name must be a listed Hungarian one, or the account
    must be in a family-first country — the country alone never reorders a name.
    """
    if len(tokens) < 2:
        return tokens
    first = tokens[0]
    listed = first.text in HUNGARIAN_FAMILY_NAMES or first.alt in HUNGARIAN_FAMILY_NAMES
    if not listed and country not in FAMILY_FIRST_COUNTRIES:
        return tokens
    end = 1
    while end < len(tokens) and tokens[end - 1].joined:
        end += 1  # a hyphenated family name ("Kovács-Nagy Anna")
    if end >= len(tokens) or not _is_given(tokens[end]) or len(first.text) < 2:
        return tokens
    family = tokens[:end]
    if any(_is_given(token) for token in family):
        return tokens
    return tokens[end:] + family
