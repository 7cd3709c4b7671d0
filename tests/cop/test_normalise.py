"""The normaliser: what counts as the same spelling, and that it never fails on any text."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop.normalise import fold, normalise, split_trading_as, strip_titles, tokenise


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  JOHN   SMITH ", "john smith"),
        ("Jürgen Müller", "juergen mueller"),
        ("Straße", "strasse"),
        ("Siobhán Ní Bhriain", "siobhan ni bhriain"),
        ("O’Reilly", "oreilly"),
        ("Smith-Jones", "smith jones"),
        ("Marks & Spencer", "marks and spencer"),
        ("Δημήτρης Παπαδόπουλος", "dimitris papadopoulos"),
        ("Ευάγγελος", "evangelos"),
        ("Ольга Иванова", "olga ivanova"),
        ("Дмитрий", "dmitriy"),
        ("Mehmet Yılmaz", "mehmet yilmaz"),
        ("Søren", "soeren"),
        ("张伟", "zhang wei"),
        ("ＡＢＣ Ltd", "abc ltd"),
        ("Nguyễn Thị Mai", "nguyen thi mai"),
    ],
)
def test_normalise(raw, expected):
    assert normalise(raw) == expected


def test_umlaut_keeps_plain_alternative():
    assert fold("Müller") == ("mueller", "muller")


def test_hyphenated_words_are_marked_joined():
    tokens = tokenise("Anna Kowalczyk-Nowak")
    assert [t.joined for t in tokens] == [False, True, False]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Mr John Smith", ["john", "smith"]),
        ("Mr and Mrs J Smith", ["j", "smith"]),
        ("Dr. Klaus Weiß", ["klaus", "weiss"]),
        ("John Smith Jnr", ["john", "smith"]),
        ("M. Jean Dupont", ["jean", "dupont"]),
        ("M O'Sullivan", ["m", "osullivan"]),
    ],
)
def test_strip_titles(raw, expected):
    assert [t.text for t in strip_titles(tokenise(raw))] == expected


@pytest.mark.parametrize(
    ("raw", "parts"),
    [
        ("Priya Patel t/a Patel Pharmacy", ("Priya Patel", "Patel Pharmacy")),
        ("G Jones T/A Jones Electrical", ("G Jones", "Jones Electrical")),
        ("S Ahmed trading as Ahmed Cars", ("S Ahmed", "Ahmed Cars")),
        ("Tata Steel", ("Tata Steel",)),
    ],
)
def test_split_trading_as(raw, parts):
    assert split_trading_as(raw) == parts


@given(st.text())
def test_never_raises_and_is_ascii(text):
    out = normalise(text)
    assert out.isascii()
    assert out == out.strip()
    assert "  " not in out


@given(st.text())
def test_idempotent(text):
    once = normalise(text)
    assert normalise(once) == once


@given(st.text(alphabet=st.characters(codec="latin-1", categories=("Lu", "Ll", "Zs"))))
def test_case_and_whitespace_invariant(text):
    assert normalise(text.upper()) == normalise(text.lower())
    assert normalise(f"  {text}\t ") == normalise(text)
    assert normalise(" ".join(text.split())) == normalise(text)


@pytest.mark.parametrize(
    ("held", "typed"),
    [
        ("Åse", "Aase"), ("Åse", "Ase"), ("Dijkstra", "Dykstra"), ("IJssel", "Yssel"),
        ("Đurić", "Djuric"), ("Đurić", "Duric"), ("Lőrincz", "Loerincz"), ("Lőrincz", "Lorincz"),
        ("Христо", "Hristo"), ("Христо", "Khristo"), ("Щерев", "Shterev"), ("Петър", "Petar"),
    ],
)
def test_letter_equivalences(held, typed):
    (a,), (b,) = tokenise(held), tokenise(typed)
    assert a.same(b)


@pytest.mark.parametrize(
    "marker",
    ["t/a", "handelnd als", "h.o.d.n.", "handelend onder de naam", "exerçant sous le nom",
     "agissant sous", "sous l'enseigne", "operante come", "que opera como", "a operar como",
     "działający pod nazwą", "d/b/a"],
)
def test_trading_name_markers(marker):
    assert split_trading_as(f"Anna Weber {marker} Weber Druck") == ("Anna Weber", "Weber Druck")
    assert split_trading_as(f"Anna Weber, {marker.upper()} Weber Druck") == (
        "Anna Weber", "Weber Druck",
    )


def test_monsieur_is_not_an_initial_before_a_particle_or_initial():
    assert [t.text for t in strip_titles(tokenise("M. von Habsburg"))] == ["m", "von", "habsburg"]
    assert [t.text for t in strip_titles(tokenise("M. Jean Dupont"))] == ["jean", "dupont"]
