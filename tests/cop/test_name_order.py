"""Name order: "Family, Given" and family-name-first (Hungarian) names."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop.matching import Holder, Outcome, decide
from cop.name_order import family_first, uncomma
from cop.normalise import tokenise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Müller, Hans", "Hans Müller"),
        ("Müller, Hans Peter", "Hans Peter Müller"),
        ("Vries, Jan de", "Jan de Vries"),
        ("Berg, J. van der", "J. van der Berg"),
        ("John Smith, Jr.", "John Smith, Jr."),  # post-nominals, not a given name
        ("Smith, John, Jones", "Smith, John, Jones"),  # two commas: left alone
        ("Hans Müller", "Hans Müller"),
    ],
)
def test_uncomma(raw, expected):
    assert uncomma(raw) == expected


def texts(tokens):
    return [t.text for t in tokens]


def test_listed_hungarian_family_name_first_is_reordered():
    assert texts(family_first(tokenise("Nagy Zoltán"), None)) == ["zoltan", "nagy"]
    assert texts(family_first(tokenise("Kovács Péter János"), None)) == [
        "peter", "janos", "kovacs",
    ]


def test_the_country_needs_evidence_in_the_name():
    # Not a listed family name: only a Hungarian account makes it family-first...
    assert texts(family_first(tokenise("Csányi Gábor"), "HU")) == ["gabor", "csanyi"]
    assert texts(family_first(tokenise("Csányi Gábor"), "DE")) == ["csanyi", "gabor"]
    # ...and only when a given name follows a word that is not one.
    assert texts(family_first(tokenise("Gábor Csányi"), "HU")) == ["gabor", "csanyi"]
    assert texts(family_first(tokenise("Csányi Bárczy"), "HU")) == ["csanyi", "barczy"]


def test_hyphenated_family_name_moves_whole():
    assert texts(family_first(tokenise("Kovács-Szabó Anna"), None)) == [
        "anna", "kovacs", "szabo",
    ]


@given(st.text(max_size=40), st.sampled_from([None, "HU", "DE"]))
def test_reordering_keeps_every_word(raw, country):
    tokens = tokenise(raw)
    assert sorted(family_first(tokens, country)) == sorted(tokens)
    assert sorted(uncomma(raw).replace(",", " ").split()) == sorted(raw.replace(",", " ").split())


HU = Holder(("Kovács Péter János",), country="HU")


@pytest.mark.parametrize(
    ("entered", "outcome", "rule"),
    [
        ("Péter Kovács", Outcome.MATCH, "middle-name-omitted"),
        ("Kovács Péter", Outcome.MATCH, "middle-name-omitted"),
        ("P. J. Kovács", Outcome.CLOSE_MATCH, "initial"),
        ("János Kovács", Outcome.NO_MATCH, "middle-name-as-first"),
        ("Kovács János", Outcome.NO_MATCH, "middle-name-as-first"),
    ],
)
def test_family_first_decisions_carry_their_rule(entered, outcome, rule):
    decision = decide(entered, HU, "personal")
    assert (decision.outcome, decision.rule) == (outcome, rule)
