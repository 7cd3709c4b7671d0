"""Legal forms of companies and the everyday abbreviations of business names.

"Acme Ltd" and "ACME LIMITED" are the same company; "Acme GmbH" and "Acme Ltd" are not.
Forms are keyed by their letters with spaces and dots removed ("S. A. S." -> "sas"), so the
many ways people punctuate them fall together. The canonical id is what is compared. The
tables themselves, per country and language, are in `cop/data/`.
"""

from __future__ import annotations

from cop.data import business_words as _words
from cop.data import legal_forms as _forms
from cop.normalise import fold


def _keys(spelling: str) -> set[str]:
    """Lookup keys of a written form: its letters folded as a name's are, spaces removed."""
    return {"".join(form.split()) for form in fold(spelling)}


def _load_forms() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in _forms.FORMS.strip().splitlines():
        canonical, spellings = (part.strip() for part in line.split("|"))
        for spelling in spellings.split(";"):
            for key in _keys(spelling.strip()):
                table[key] = canonical
    return table


LEGAL_FORMS: dict[str, str] = _load_forms()
PREFIX_FORMS: frozenset[str] = frozenset(_forms.PREFIX_FORMS.split())
DESCRIPTOR_PREFIXES: frozenset[str] = frozenset(_forms.DESCRIPTOR_PREFIXES.split())
PARTNERSHIP_FORMS: frozenset[str] = frozenset(_forms.PARTNERSHIP_FORMS.split())
_LINKS: tuple[tuple[str, ...], ...] = tuple(tuple(link.split()) for link in _forms.COMPANY_LINKS)

# Forms too easily part of a person's name ("Anna S", "Le Ae", "Rui da") unless the holder is
# a business: every one- and two-letter form but those no name ends with.
_AMBIGUOUS = frozenset(
    key for key in LEGAL_FORMS if len(key) <= 2 and key not in {"ag", "kg", "bv", "nv", "ug", "oy"}
)

LONGEST_FORM_TOKENS = 6
# Every ending of a form's key, and every beginning of a key of a form written before the
# name: the last (first) words of a name can only be (part of) a form if they are one of
# these, which most names' words are not. No ending is longer than the longest form.
FORM_ENDINGS: frozenset[str] = frozenset(key[i:] for key in LEGAL_FORMS for i in range(len(key)))
_PREFIX_FORM_BEGINNINGS: frozenset[str] = frozenset(
    key[:i] for key, form in LEGAL_FORMS.items() if form in PREFIX_FORMS
    for i in range(1, len(key) + 1)
)


def _suffix_form(tokens: tuple[str, ...], business: bool) -> tuple[int, str] | None:
    """(words taken, canonical form) of the longest form ending `tokens`, leaving a name."""
    n = len(tokens)
    # The last words joined, one more each time, while they still end some form (so no
    # longer than the longest form).
    joined, tails = "", []
    for k in range(1, min(LONGEST_FORM_TOKENS, n - 1) + 1):
        joined = tokens[n - k] + joined
        if joined not in FORM_ENDINGS:
            break
        tails.append(joined)
    for k in range(len(tails), 0, -1):
        joined = tails[k - 1]
        canonical = LEGAL_FORMS.get(joined)
        if canonical and (business or joined not in _AMBIGUOUS):
            return k, canonical
    return None


def _prefix_form(tokens: tuple[str, ...]) -> tuple[int, str] | None:
    n = len(tokens)
    if tokens[0] not in _PREFIX_FORM_BEGINNINGS:
        return None
    for k in range(min(3, n - 1), 0, -1):
        canonical = LEGAL_FORMS.get("".join(tokens[:k]))
        if canonical in PREFIX_FORMS:
            return k, canonical
    return None


def legal_form_span(tokens: tuple[str, ...], business: bool) -> tuple[int, int, str | None]:
    """(start, stop, canonical form or None): `tokens[start:stop]` is the name without its form.

    Looks for the longest form at the end; before a partnership's form, for the form of its
    company partner ("GmbH & Co. KG": "gmbh+kg"); then, for a business, for a form written
    before the name. A form is only taken when some name is left over, and the short
    ambiguous forms only for a business holder.
    """
    n = len(tokens)
    found = _suffix_form(tokens, business)
    if found is None:
        if business and n > 1:
            before = _prefix_form(tokens)
            if before is not None:
                return before[0], n, before[1]
        return 0, n, None
    taken, form = found
    stop = n - taken
    if form in PARTNERSHIP_FORMS:
        for link in _LINKS:
            if tokens[stop - len(link) : stop] == link and stop > len(link) + 1:
                partner = _suffix_form(tokens[: stop - len(link)], True)
                if partner is not None:
                    stop, form = stop - len(link) - partner[0], f"{partner[1]}+{form}"
                    break
        else:
            partner = _suffix_form(tokens[:stop], business)
            if partner is not None:
                stop, form = stop - partner[0], f"{partner[1]}+{form}"
    start = 1 if business and stop > 1 and tokens[0] in DESCRIPTOR_PREFIXES else 0
    return start, stop, form


def split_legal_form(
    tokens: tuple[str, ...], business: bool
) -> tuple[tuple[str, ...], str | None]:
    """Split `tokens` into (name, canonical legal form or None); see `legal_form_span`."""
    start, stop, form = legal_form_span(tokens, business)
    return tokens[start:stop], form


# Words that businesses abbreviate freely in English; both spellings compare equal.
BUSINESS_WORDS: dict[str, str] = {
    "co": "company",
    "cos": "companies",
    "bros": "brothers",
    "intl": "international",
    "int": "international",
    "svcs": "services",
    "svc": "service",
    "mfg": "manufacturing",
    "assoc": "associates",
    "assocs": "associates",
    "grp": "group",
    "hldgs": "holdings",
    "mgmt": "management",
    "ctr": "centre",
    "center": "centre",
    "dept": "department",
    **{conjunction: "and" for conjunction in _words.AND.split()},
}

# Abbreviations of business words in other languages ("Gebr." for Gebroeders or Gebrüder,
# "Ets" for Établissements): the same business, named loosely, so a close match.
ABBREVIATIONS: dict[str, frozenset[str]] = {}
for _line in _words.ABBREVIATIONS.strip().splitlines():
    _short, _long = (part.strip() for part in _line.split("|"))
    _full = frozenset(key for word in _long.split(";") for key in _keys(word.strip()))
    for _key in _keys(_short):
        ABBREVIATIONS[_key] = ABBREVIATIONS.get(_key, frozenset()) | _full

# Abbreviations written as two words once punctuation is gone ("S-ka", "F.lli" stays one).
_SPLIT_ABBREVIATIONS: dict[tuple[str, str], str] = {
    (key[:1], key[1:]): key for key in ABBREVIATIONS if len(key) > 1
}

LEADING_ARTICLES: frozenset[str] = frozenset({"the"})
# Words `canonical_business_tokens` may change (with any one-letter word): a name without
# them is its own canonical form.
EXPANDABLE: frozenset[str] = frozenset(
    [word for word, full in BUSINESS_WORDS.items() if word != full] + list(LEADING_ARTICLES)
)


def is_abbreviation(a: str, b: str) -> bool:
    """Whether one word is a listed abbreviation of the other ("gebr", "gebroeders")."""
    return b in ABBREVIATIONS.get(a, ()) or a in ABBREVIATIONS.get(b, ())


def canonical_business_tokens(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Business name tokens with abbreviations expanded and a leading article dropped."""
    words = [BUSINESS_WORDS.get(t, t) for t in tokens]
    for i in range(len(words) - 2, -1, -1):
        if len(words[i]) == 1:
            joined = _SPLIT_ABBREVIATIONS.get((words[i], words[i + 1]))
            if joined is not None:
                words[i : i + 2] = [joined]
    if len(words) > 1 and words[0] in LEADING_ARTICLES:
        words = words[1:]
    return tuple(words)
