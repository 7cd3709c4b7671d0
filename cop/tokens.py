"""Token relations and alignment: which word of the entered name stands for which held word.

Kept apart from the decision rules in `matching.py` so each stays readable: this module knows
about words (initials, nicknames, typos), `matching.py` about names (given name, surname,
legal form, joint holders).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz.distance import OSA

from cop.legal_forms import is_abbreviation
from cop.names import (
    RELATED_NAMES,
    are_gendered,
    are_nicknames,
    are_variants,
    is_given_name,
)
from cop.normalise import Token


class Relation(IntEnum):
    """How one entered word relates to one held word; larger is stronger."""

    NONE = 0
    INITIAL = 1
    TYPO = 2
    ABBREVIATION = 3  # business words only: "Gebr." for "Gebroeders"
    NICKNAME = 4
    VARIANT = 5
    EXACT = 6


@dataclass(frozen=True, slots=True, eq=False)
class TypoPolicy:
    """How many edits a word of a given length may carry and still be the same word.

    Compared by identity (`eq=False`): it is a cache key of `relate`, hashed on every call.
    """

    min_length: int = 5
    max_edits: int = 1
    two_edits_min_length: int = 8
    transposition_min_length: int = 4

    def allowed(self, a: str, b: str) -> int:
        """Edits allowed between `a` and `b`. Two only in long words that start alike: slips
        rarely hit the first letter, and "Northern"/"Southern" are different words."""
        shortest = min(len(a), len(b))
        if shortest >= self.two_edits_min_length and a[0] == b[0]:
            return max(self.max_edits, 2)
        if shortest >= self.min_length:
            return self.max_edits
        if shortest >= self.transposition_min_length and _is_transposition(a, b):
            return 1
        return 0


class Link(NamedTuple):
    relation: Relation
    conflict: bool = False  # two different real given names a slip apart (Daniel/Daniela)


def _is_transposition(a: str, b: str) -> bool:
    if len(a) != len(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]]


def _plural_pair(a: str, b: str) -> bool:
    """"Farm" and "Farms": in a business name a plural s is a slip, whatever the length."""
    return min(len(a), len(b)) >= 3 and (a + "s" == b or b + "s" == a)


_EXACT = Link(Relation.EXACT)
_INITIAL = Link(Relation.INITIAL)
_TYPO = Link(Relation.TYPO)
_NONE = Link(Relation.NONE)
_CONFLICT = Link(Relation.NONE, True)


@lru_cache(maxsize=65536)
def relate(entered: Token, held: Token, typos: TypoPolicy, names: bool = True) -> Link:
    """The strongest relation between two words. `names` enables initials and name tables."""
    a, b = entered.text, held.text
    a_alt, b_alt = entered.alt, held.alt
    if a == b or a_alt == b_alt or a == b_alt or a_alt == b:  # `Token.same`
        return _EXACT
    if names and (len(a) == 1 or len(b) == 1):
        if len(a) == 1 and b.startswith(a) or len(b) == 1 and a.startswith(b):
            return _INITIAL
        return _NONE
    conflict = False
    entered_forms = (a,) if a == a_alt else (a, a_alt)
    held_forms = (b,) if b == b_alt else (b, b_alt)
    if names:
        for x in entered_forms:
            for y in held_forms:
                if x not in RELATED_NAMES or y not in RELATED_NAMES:
                    continue
                if are_gendered(x, y):
                    return _CONFLICT  # Giovanni/Giovanna: never a slip
                if are_variants(x, y):
                    return Link(Relation.VARIANT)
                if are_nicknames(x, y):
                    return Link(Relation.NICKNAME)
    elif any(is_abbreviation(x, y) for x in entered_forms for y in held_forms):
        return Link(Relation.ABBREVIATION)
    if not names and _plural_pair(a, b):
        return _TYPO
    for x in entered_forms:
        for y in held_forms:
            if abs(len(x) - len(y)) > 2:
                continue  # more than two edits apart
            distance = OSA.distance(x, y, score_cutoff=2)
            if distance > 2:
                continue
            if is_given_name(x) and is_given_name(y):
                conflict = True
                continue
            if distance <= typos.allowed(x, y):
                return _TYPO
    return _CONFLICT if conflict else _NONE


class Words(NamedTuple):
    """A name's words with what each comparison asks of them, worked out once per name."""

    tokens: tuple[Token, ...]
    text: str  # the words written together, for comparing names whatever their spacing
    alt: str  # the same with the plain-letter alternatives
    # Every spelling of every word: `t.same(u)` for some u in these words. A tuple, not a set:
    # a name has a handful of words, and a tuple of strings is soon out of the garbage
    # collector's sight, where a set would be walked by every full collection for as long as
    # the parsed name stays cached.
    forms: tuple[str, ...]


def words_of(tokens: tuple[Token, ...]) -> Words:
    texts = [t.text for t in tokens]
    alts = [t.alt for t in tokens]
    if alts == texts:  # no word with a second spelling: most names
        text = "".join(texts)
        return Words(tokens, text, text, tuple(texts))
    return Words(tokens, "".join(texts), "".join(alts), tuple(texts + alts))


def _shares_form(token: Token, forms: tuple[str, ...]) -> bool:
    return token.text in forms or token.alt in forms


def merge_compounds(left: Words, right: Words) -> Words:
    """Join adjacent words of `left` that `right` writes as one ("Al Farsi" / "Alfarsi")."""
    if len(left.tokens) < 2:
        return left
    tokens, forms = left.tokens, right.forms
    out: list[Token] | None = None  # built only once a pair is joined: most names have none
    i = 0
    while i < len(tokens):
        if i + 1 < len(tokens):
            a, b = tokens[i], tokens[i + 1]
            text, alt = a.text + b.text, a.alt + b.alt
            if (text in forms or alt in forms) and not (
                _shares_form(a, forms) or _shares_form(b, forms)
            ):
                if out is None:
                    out = list(tokens[:i])
                out.append(Token(text, alt))
                i += 2
                continue
        if out is not None:
            out.append(tokens[i])
        i += 1
    return left if out is None else words_of(tuple(out))


def _initials_of(word: str, other: tuple[Token, ...]) -> bool:
    """Whether the letters of `word` are, in order, the initials of words of `other`."""
    firsts = iter(t.text[0] for t in other if len(t.text) > 1)
    return all(any(letter == first for first in firsts) for letter in word)


def split_initials(words: Words, other: Words) -> Words:
    """Read "JA Smith" as "J A Smith" when J and A are the initials of the other name's words.

    Only for a short word that is neither a word of the other name nor a given name ("Md").
    """
    tokens = words.tokens
    out: list[Token] | None = None  # built only once a word is split: most names have none
    for index, token in enumerate(tokens):
        word = token.text
        if (
            index < len(tokens) - 1
            and 2 <= len(word) <= 3
            and word.isalpha()
            and not is_given_name(word)
            and not _shares_form(token, other.forms)
            and _initials_of(word, other.tokens)
        ):
            if out is None:
                out = list(tokens[:index])
            out.extend(Token(ch, ch) for ch in word)
        elif out is not None:
            out.append(token)
    return words if out is None else words_of(tuple(out))


class Alignment(NamedTuple):
    """A one-to-one pairing of entered words with held words."""

    pairs: dict[int, tuple[int, Relation]]  # entered index -> (held index, relation)
    held: dict[int, tuple[int, Relation]]  # held index -> (entered index, relation)
    conflicts: list[tuple[int, int]]
    free_entered: list[int]  # entered indexes left unpaired, in order
    free_held: list[int]  # held indexes left unpaired, in order

    def has_conflict(self) -> bool:
        """Whether a word left unpaired on each side is another real name (Mark/Mary)."""
        return any(
            i not in self.pairs and j not in self.held for i, j in self.conflicts
        )


_EXACT_RELATION = Relation.EXACT


def align(
    entered: tuple[Token, ...], held: tuple[Token, ...], typos: TypoPolicy, names: bool = True
) -> Alignment:
    """Greedy one-to-one alignment: strongest relations first, then the nearest position.

    Words spelt alike (`Token.same`, the strongest relation) are paired first; only the words
    left over are related further. The weaker relations of a word already paired could never
    be chosen, and a conflict counts only between two words left unpaired, so the alignment is
    the one that ranking every pair would give, at a fraction of the lookups.
    """
    pairs: dict[int, tuple[int, Relation]] = {}
    held_map: dict[int, tuple[int, Relation]] = {}
    # Each spelling of a held word -> its positions: `Token.same` is one of an entered
    # word's spellings among them.
    at: dict[str, list[int]] = {}
    for j, h in enumerate(held):
        at.setdefault(h.text, []).append(j)
        if h.alt != h.text:
            at.setdefault(h.alt, []).append(j)
    exact = []
    for i, e in enumerate(entered):
        found = at.get(e.text)
        if e.alt != e.text:
            other = at.get(e.alt)
            if other:
                found = sorted({*found, *other}) if found else other
        if found:
            exact.extend([(abs(i - j), i, j) for j in found])
    if len(exact) > 1:
        exact.sort()
    for _, i, j in exact:
        if i in pairs or j in held_map:
            continue
        pairs[i] = (j, _EXACT_RELATION)
        held_map[j] = (i, _EXACT_RELATION)
    conflicts = []
    free_entered = [i for i in range(len(entered)) if i not in pairs]
    free_held = [j for j in range(len(held)) if j not in held_map]
    if not free_entered or not free_held:
        return Alignment(pairs, held_map, conflicts, free_entered, free_held)
    candidates = []
    for i in free_entered:
        e = entered[i]
        for j in free_held:
            relation, conflict = relate(e, held[j], typos, names)
            if relation:  # Relation.NONE is 0
                candidates.append((-relation, abs(i - j), i, j, relation))
            elif conflict:
                conflicts.append((i, j))
    if not candidates:
        return Alignment(pairs, held_map, conflicts, free_entered, free_held)
    candidates.sort()
    for _, _, i, j, relation in candidates:
        if i in pairs or j in held_map:
            continue
        pairs[i] = (j, relation)
        held_map[j] = (i, relation)
    free_entered = [i for i in free_entered if i not in pairs]
    free_held = [j for j in free_held if j not in held_map]
    return Alignment(pairs, held_map, conflicts, free_entered, free_held)
