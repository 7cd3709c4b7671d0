"""The matching rules: how a personal name and a company name are compared.

Each function returns a `Verdict`, an outcome plus the short stable id of the rule that
decided it, so that a bank can say why ("initial", "legal-form-missing", "another-real-name").
`matching.py` applies them to an account's holders; this module knows nothing of accounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

from cop.legal_forms import (
    EXPANDABLE,
    FORM_ENDINGS,
    canonical_business_tokens,
    legal_form_span,
)
from cop.name_order import family_first, uncomma
from cop.names import FAMILY_FIRST_SURNAMES, NOBLE_TITLES, PARTICLES, is_given_name
from cop.normalise import Token, strip_titles, tokenise
from cop.tokens import (
    Relation,
    TypoPolicy,
    Words,
    align,
    merge_compounds,
    split_initials,
    words_of,
)


class Outcome(StrEnum):
    MATCH = "MATCH"
    CLOSE_MATCH = "CLOSE_MATCH"
    NO_MATCH = "NO_MATCH"


RANK = {Outcome.NO_MATCH: 0, Outcome.CLOSE_MATCH: 1, Outcome.MATCH: 2}
PERSONAL, BUSINESS = "personal", "business"


@dataclass(frozen=True, slots=True)
class MatchConfig:
    """Thresholds a bank may tune; the defaults are the ones the labelled corpus was built on."""

    typos: TypoPolicy = field(default_factory=TypoPolicy)
    require_anchor: bool = True  # given name or surname must be spelt as held (or a variant)


DEFAULT_CONFIG = MatchConfig()


class Verdict(NamedTuple):
    """A named tuple, not a dataclass: one is made for every name compared."""

    outcome: Outcome
    rule: str


class Parsed(NamedTuple):
    """A name read once: a named tuple, as one is made for every name first seen."""

    display: str
    tokens: tuple[Token, ...]
    legal_form: str | None
    words: Words  # `tokens`, prepared for comparing as a person's name
    business_words: Words | None  # for a business: its words as company names are compared


@lru_cache(maxsize=32768)
def parse_name(display: str, business: bool, country: str | None = None) -> Parsed:
    """Read a name once. `country` (the account's) is a hint for reading the name's order."""
    if business:
        tokens = strip_titles(tokenise(display))
    else:
        tokens = strip_titles(tokenise(uncomma(display) if "," in display else display))
        if len(tokens) > 1:
            tokens = family_first(tokens, country)
    form = None
    # A personal name whose last word ends no legal form has none (`legal_form_span`): most.
    if tokens and (business or tokens[-1].text in FORM_ENDINGS):
        start, stop, form = legal_form_span(tuple([t.text for t in tokens]), business)
        if form is not None:
            tokens = tokens[start:stop]
    words = words_of(tokens)
    business_words = None
    if business:
        expanded = _business_words(tokens)
        business_words = words if expanded is tokens else words_of(expanded)
    return Parsed(display, tokens, form, words, business_words)


def looks_personal(tokens: tuple[Token, ...]) -> bool:
    return 2 <= len(tokens) <= 4 and (is_given_name(tokens[0].text) or len(tokens[0].text) == 1)


def joined_equal(a: Words, b: Words) -> bool:
    return a.text == b.text or a.alt == b.alt


_CLOSE_RULE = {
    Relation.INITIAL: "initial",
    Relation.TYPO: "typo",
    Relation.NICKNAME: "nickname",
    Relation.VARIANT: "variant-spelling",
    Relation.ABBREVIATION: "business-abbreviation",
}


def compare_person(held_words: Words, entered_words: Words, cfg: MatchConfig) -> Verdict:
    """Compare two personal names word by word."""
    if not held_words.tokens or not entered_words.tokens:
        return Verdict(Outcome.NO_MATCH, "empty-name")
    if joined_equal(held_words, entered_words):
        exact = len(held_words.tokens) == len(entered_words.tokens)
        return Verdict(Outcome.MATCH, "exact" if exact else "spacing")
    held_words = merge_compounds(split_initials(held_words, entered_words), entered_words)
    entered_words = merge_compounds(split_initials(entered_words, held_words), held_words)
    held, entered = held_words.tokens, entered_words.tokens
    al = align(entered, held, cfg.typos)
    free_e, free_h = al.free_entered, al.free_held
    first, last = 0, len(held) - 1
    if free_e and free_h:
        if al.has_conflict():
            return Verdict(Outcome.NO_MATCH, "another-real-name")
        if first in free_h:
            return Verdict(Outcome.NO_MATCH, "different-given-name")
        return Verdict(Outcome.NO_MATCH, "different-surname" if last in free_h else
                        "different-name")
    if len(entered) == 1 and len(held) > 1:
        return Verdict(Outcome.NO_MATCH, "single-name-only")
    if first in free_h:
        middle_used = any(j not in (first, last) for j in al.held)
        return Verdict(Outcome.NO_MATCH, "middle-name-as-first" if middle_used else
                        "given-name-missing")
    close: list[str] = []
    surname = last
    if last in free_h and len(held) > 1:
        # The entered name stops early: fine for "García" of "García López", not for "John
        # Michael" of "John Michael Smith" (Michael is a given name, the surname is missing).
        surname = max(al.held)
        if surname == first or is_given_name(held[surname].text):
            return Verdict(Outcome.NO_MATCH, "surname-missing")
        close.append("part-of-double-surname")
    particles_apply = held[first].text not in FAMILY_FIRST_SURNAMES
    for j in free_h:
        if j > surname:
            continue
        if particles_apply and (held[j].text in PARTICLES or held[j].text in NOBLE_TITLES):
            close.append("surname-particle-omitted")
        elif held[j].joined and j + 1 == surname:
            close.append("part-of-double-surname")
    rel_first = al.held[first][1]
    rel_last = al.held[surname][1]
    if len(held) > 1 and rel_last is Relation.INITIAL:
        return Verdict(Outcome.NO_MATCH, "surname-initial-only")
    anchors = {rel_first, rel_last}
    if cfg.require_anchor and not anchors & {Relation.EXACT, Relation.VARIANT}:
        return Verdict(Outcome.NO_MATCH, "no-exact-word")
    if free_e:
        if 0 in free_e:
            return Verdict(Outcome.NO_MATCH, "extra-given-name")
        close.append("extra-name")
    weakest = Relation.EXACT
    for j, (_, relation) in al.held.items():
        if relation is Relation.INITIAL and j not in (first, surname):
            continue  # a middle initial that agrees says nothing against the match
        weakest = min(weakest, relation)
    if weakest is not Relation.EXACT:
        close.insert(0, _CLOSE_RULE[weakest])
    if close:
        return Verdict(Outcome.CLOSE_MATCH, close[0])
    if free_h:
        return Verdict(Outcome.MATCH, "middle-name-omitted")
    in_order = all(j == i for i, (j, _) in al.pairs.items())
    return Verdict(Outcome.MATCH, "exact" if in_order else "reordered")


def _business_words(tokens: tuple[Token, ...]) -> tuple[Token, ...]:
    """The tokens with business abbreviations expanded (see `canonical_business_tokens`)."""
    for t in tokens:
        if (t.joined or len(t.text) == 1 or len(t.alt) == 1 or t.text in EXPANDABLE
                or t.alt in EXPANDABLE):
            break
    else:
        return tokens  # nothing to expand: most business names
    texts = tuple([t.text for t in tokens])
    alts = tuple([t.alt for t in tokens])
    canonical = canonical_business_tokens(texts)
    canonical_alts = canonical if alts == texts else canonical_business_tokens(alts)
    if len(canonical) != len(canonical_alts):
        canonical_alts = canonical
    if canonical == texts and canonical_alts == alts and not any(t.joined for t in tokens):
        return tokens  # nothing expanded: the same words
    return tuple(map(_token, canonical, canonical_alts))


@lru_cache(maxsize=65536)
def _token(text: str, alt: str) -> Token:
    return Token(text, alt)


# Every cache above, for `cop.matching.clear_caches`.
CACHES = (parse_name, _token)


def compare_business(
    held: Parsed, entered: Parsed, entered_type: str | None, cfg: MatchConfig
) -> Verdict:
    """Compare company names: every word counts, the legal form is compared on its own.

    A person's name given for a company named after them ("John Smith" for "John Smith Ltd",
    said to be a personal account) names another legal person: the owner, not the company.
    """
    h, e = held.business_words, entered.business_words
    if not h.tokens or not e.tokens:
        return Verdict(Outcome.NO_MATCH, "empty-name")
    if (
        held.legal_form
        and not entered.legal_form
        and entered_type == PERSONAL
        and looks_personal(e.tokens)
    ):
        return Verdict(Outcome.NO_MATCH, "person-name-for-company")
    core = _compare_business_core(h, e, cfg)
    if core.outcome is Outcome.NO_MATCH:
        return core
    if held.legal_form == entered.legal_form:
        return core
    rule = "legal-form-missing" if not (held.legal_form and entered.legal_form) else (
        "legal-form-differs")
    return Verdict(Outcome.CLOSE_MATCH, core.rule if core.outcome is Outcome.CLOSE_MATCH
                    else rule)


def _compare_business_core(h: Words, e: Words, cfg: MatchConfig) -> Verdict:
    if joined_equal(h, e):
        return Verdict(Outcome.MATCH, "exact")
    h2, e2 = merge_compounds(h, e).tokens, merge_compounds(e, h).tokens
    al = align(e2, h2, cfg.typos, names=False)
    if not al.free_entered and not al.free_held:
        relations = {relation for _, relation in al.pairs.values()}
        if relations == {Relation.EXACT}:
            in_order = all(j == i for i, (j, _) in al.pairs.items())
            return Verdict(Outcome.MATCH if in_order else Outcome.CLOSE_MATCH,
                            "exact" if in_order else "reordered-business-name")
        return Verdict(Outcome.CLOSE_MATCH, _CLOSE_RULE[min(relations)])
    return Verdict(Outcome.NO_MATCH, "different-business-name")


