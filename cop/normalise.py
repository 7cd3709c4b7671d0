"""Name normalisation: from whatever a payer typed to comparable ASCII tokens.

Pure functions, cached, because the same held names are normalised again and again. Every
step exists because payers and banks write one name in several ways: "MÜLLER", "Mueller" and
"Muller"; "O'Brien" and "OBrien"; "Παπαδόπουλος" and "Papadopoulos"; "Mr J. Smith".
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from anyascii import anyascii

from cop.data import particles as _letters

# German (and Turkish, Nordic, Hungarian) letters that have a customary two-letter spelling. The
# expanded spelling is the primary form; the plain letter is kept as an alternative, so
# "Müller" equals both "Mueller" and "Muller", and "Åse" both "Aase" and "Ase".
_EXPANSIONS = str.maketrans(_letters.LETTER_EXPANSIONS)
# The alternative romanisation of Cyrillic letters, kept as the plain form (Hristo, Khristo).
_CYRILLIC = str.maketrans(_letters.CYRILLIC_ALTERNATIVES)
_DIGRAPHS = _letters.DIGRAPH_ALTERNATIVES
_PARTICLES = frozenset(_letters.PARTICLES.split())

# Greek digraphs that anyascii renders letter by letter ("ου" -> "oy"); the customary
# romanisation reads them as one sound.
_GREEK_DIGRAPHS = (("ου", "ou"), ("αυ", "av"), ("ευ", "ev"), ("γγ", "ng"))

_GREEK = re.compile("[\u0370-\u03ff\u1f00-\u1fff]")
_APOSTROPHES = re.compile(r"['’‘`´ʼʻ]")
_AMPERSAND = re.compile(r"[&+]")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_TRADING_HINTS = _letters.TRADING_HINTS
_TRADING_AS = re.compile(
    r"[\s,]+(?:" + "|".join(_letters.TRADING_MARKERS) + r")(?=\s|$)", re.IGNORECASE
)

TITLES: frozenset[str] = frozenset(
    """mr mrs ms miss mx dr doctor prof professor sir dame lord lady rev revd reverend fr father
    herr frau fraulein mme mlle monsieur madame mademoiselle sr sra srta senor senora senorita
    don dona sig sigra signor signora pan pani hr fru mevr dhr mevrouw heer sheikh shaikh alhaji
    alhaja chief engr capt col maj hon rt dott ing mag sayin bay bayan kyrios kyria gospodin
    gospozha mister master""".split()
)
SUFFIXES: frozenset[str] = frozenset(
    "jr jnr snr ii iii iv esq phd obe mbe cbe kbe dbe msc bsc ma mba frcs qc kc".split()
)


class Token(NamedTuple):
    """One word of a name: its primary spelling and its plain-letter alternative.

    `joined` marks a word written together with the next one ("Kowalczyk-Nowak"): leaving out
    part of a hyphenated surname is not the same as leaving out a middle name. A named tuple,
    not a dataclass: tokens are hashed millions of times as cache keys.
    """

    text: str
    alt: str
    joined: bool = False

    def same(self, other: Token) -> bool:
        return (
            self.text == other.text
            or self.alt == other.alt
            or self.text == other.alt
            or self.alt == other.text
        )


def _is_greek(ch: str) -> bool:
    return "\u0370" <= ch <= "\u03ff" or "\u1f00" <= ch <= "\u1fff"


def _strip_greek_accents(text: str) -> str:
    """Drop accents on Greek letters only, so the digraphs below are found ("ού").

    Other scripts keep theirs: Cyrillic "й" is a letter of its own, not an accented "и".
    """
    if not _GREEK.search(text):
        return text
    out: list[str] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out and _is_greek(out[-1]):
            continue
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _to_ascii(text: str) -> str:
    if text.isascii():  # most names: nothing to transliterate (anyascii would return it as is)
        return _CAMEL.sub(" ", text).lower()
    text = _strip_greek_accents(text)
    for greek, latin in _GREEK_DIGRAPHS:
        text = text.replace(greek, latin)
    text = anyascii(text)
    # anyascii capitalises each syllable of a CJK name ("ZhangWei"); the input was already
    # case-folded, so a capital here marks a syllable boundary.
    return _CAMEL.sub(" ", text).lower()


def _clean(text: str) -> str:
    text = _APOSTROPHES.sub("", text)
    text = _AMPERSAND.sub(" and ", text)
    return _NON_ALNUM.sub(" ", text).strip()


def _fold_ascii(text: str) -> str:
    """`fold` of ASCII text. NFKC leaves ASCII as it is, there is nothing to expand or
    transliterate, and plain letters and spaces need no cleaning beyond the spacing."""
    text = text.lower()
    if text.replace(" ", "").isalnum():
        return " ".join(text.split())
    return _clean(text)


# Caches are per worker process and bounded. Whole names are cached for the held names checked
# again and again; words are cached on their own because words repeat across names far more
# than whole names do (a first-seen name is nearly always made of words seen before), and a
# word is where the cost is: transliteration and folding.
@lru_cache(maxsize=65536)
def _fold_chunk(chunk: str) -> tuple[str, str]:
    """`fold` of text without an ASCII space: one word, or words joined by punctuation."""
    if chunk.isascii():
        folded = _fold_ascii(chunk)
        return folded, folded
    text = unicodedata.normalize("NFKC", chunk).casefold()
    expandable, alternative = text.translate(_EXPANSIONS), text.translate(_CYRILLIC)
    expanded = _clean(_to_ascii(expandable))
    if expandable == alternative:  # most accented names (é, ñ, ł): one spelling, one pass
        return expanded, expanded
    return expanded, _clean(_to_ascii(alternative))


@lru_cache(maxsize=16384)
def fold(text: str) -> tuple[str, str]:
    """(expanded, plain): NFKC, case-folded, transliterated ASCII words separated by spaces.

    Folded word by word: every step is letter by letter or within a word (an ASCII space
    stays a separator through all of them), so a name folds to its words' folds joined.
    """
    if text.isascii():  # most names
        text = _fold_ascii(text)
        return text, text
    folds = [_fold_chunk(word) for word in text.split(" ") if word]
    return " ".join([e for e, _ in folds if e]), " ".join([p for _, p in folds if p])


def _alternative(word: str) -> str:
    """The plain-letter form of a word with its digraphs in their other spelling (ij: y)."""
    for digraph, other in _DIGRAPHS:
        if digraph in word:
            word = word.replace(digraph, other)
    return word


def normalise(text: str) -> str:
    """The comparable form of a name: lower-case ASCII words, single spaces."""
    return fold(text)[0]


def tokenise(text: str) -> tuple[Token, ...]:
    if text.isascii() and text.replace(" ", "").isalnum():
        # Most names: plain words, each folding to itself in lower case (see `fold`).
        return tuple(map(_plain_token, text.lower().split()))
    tokens: list[Token] = []
    for chunk in text.split():
        tokens.extend(_chunk_tokens(chunk))
    return tuple(tokens)


@lru_cache(maxsize=65536)
def _plain_token(word: str) -> Token:
    """The token of a lower-case ASCII word of letters and digits."""
    return Token(word, _alternative(word) if "ij" in word else word)


@lru_cache(maxsize=65536)
def _chunk_tokens(chunk: str) -> tuple[Token, ...]:
    """The tokens of one whitespace-free chunk ("Kowalczyk-Nowak" gives two, joined)."""
    expanded, plain = _fold_chunk(chunk)
    if " " not in expanded and " " not in plain and expanded and plain:  # one word
        return (Token(expanded, _alternative(plain)),)
    words, alts = expanded.split(), plain.split()
    if len(words) != len(alts):  # an expansion never splits a word; be safe if it did
        alts = words
    last = len(words) - 1
    return tuple(
        Token(word, _alternative(alt), joined=index < last)
        for index, (word, alt) in enumerate(zip(words, alts, strict=True))
    )


def strip_titles(tokens: tuple[Token, ...]) -> tuple[Token, ...]:
    """Drop honorifics at the front and post-nominals at the end ("Mr J Smith Jnr")."""
    start, end = 0, len(tokens)
    while start < end - 1 and (tokens[start].text in TITLES or tokens[start].text == "and"):
        start += 1
    # "M. Dupont" is Monsieur Dupont only when a given name follows; otherwise M is an initial
    # ("M. von Habsburg", "M.-C. Dubois").
    if (
        end - start >= 3
        and tokens[start].text == "m"
        and not tokens[start].joined
        and len(tokens[start + 1].text) > 1
        and tokens[start + 1].text not in _PARTICLES
    ):
        start += 1
    while end - 1 > start and tokens[end - 1].text in SUFFIXES:
        end -= 1
    return tokens[start:end]


@lru_cache(maxsize=16384)
def split_trading_as(text: str) -> tuple[str, ...]:
    """"J Smith t/a Smith Plumbing" -> ("J Smith", "Smith Plumbing"); else (text,)."""
    lowered = text.lower()
    for hint in _TRADING_HINTS:  # every trading-name marker has one of these
        if hint in lowered:
            break
    else:
        return (text.strip() or text,)
    parts = [p.strip() for p in _TRADING_AS.split(text)]
    return tuple(p for p in parts if p) or (text,)


# Every cache above, for `cop.matching.clear_caches`.
CACHES = (fold, _fold_chunk, _plain_token, _chunk_tokens, split_trading_as)
