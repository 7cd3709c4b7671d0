"""Legal forms and business words: every table spelling is read as its form, wherever it is."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop.data import legal_forms as table
from cop.legal_forms import (
    LEGAL_FORMS,
    canonical_business_tokens,
    is_abbreviation,
    legal_form_span,
    split_legal_form,
)
from cop.matching import BUSINESS, Holder, Outcome, decide
from cop.normalise import normalise


def words(text):
    return tuple(normalise(text).split())


def spellings():
    for line in table.FORMS.strip().splitlines():
        canonical, written = (part.strip() for part in line.split("|"))
        for spelling in written.split(";"):
            yield canonical, spelling.strip()


@pytest.mark.parametrize(("canonical", "spelling"), list(spellings()))
def test_every_spelling_is_its_form_after_a_name(canonical, spelling):
    assert split_legal_form(words(f"Nordwind Handel {spelling}"), True) == (
        ("nordwind", "handel"), canonical,
    )


@pytest.mark.parametrize(
    ("name", "core", "form"),
    [
        ("Schneider Logistik GmbH & Co. KG", "schneider logistik", "gmbh+kg"),
        ("Schneider Logistik GmbH und Co KG", "schneider logistik", "gmbh+kg"),
        ("Wagner Solar AG & Co. KGaA", "wagner solar", "ag+kgaa"),
        ("Kowalski Transport Sp. z o.o. Sp.k.", "kowalski transport", "spzoo+spk"),
        ("SARL Boulangerie Martin", "boulangerie martin", "srl"),
        ("UAB Vilniaus Duona", "vilniaus duona", "uab"),
        ("SC Agromec SRL", "agromec", "srl"),
        ("Helsingin Kala Ab", "helsingin kala", "ab"),
        ("Brouwerij Peeters NV", "brouwerij peeters", "sa"),
    ],
)
def test_compound_prefix_and_bilingual_forms(name, core, form):
    assert split_legal_form(words(name), True) == (tuple(core.split()), form)


def test_short_forms_are_not_taken_from_a_persons_name():
    assert split_legal_form(words("Anna Sa"), False) == (("anna", "sa"), None)
    assert split_legal_form(words("SIA Koks"), False) == (("sia", "koks"), None)


@given(st.lists(st.sampled_from(["nordwind", "handel", "bau", "12"]), min_size=1, max_size=4),
       st.sampled_from(sorted(LEGAL_FORMS)))
def test_span_always_leaves_a_name(name, form):
    tokens = (*name, form)
    start, stop, found = legal_form_span(tokens, True)
    assert 0 <= start < stop <= len(tokens)
    assert found is None or tokens[start:stop]


def test_abbreviations_and_conjunctions():
    assert is_abbreviation("gebr", "gebroeders")
    assert is_abbreviation("gebrueder", "gebr")
    assert not is_abbreviation("gebr", "zonen")
    assert canonical_business_tokens(("nowak", "i", "s", "ka")) == ("nowak", "and", "ska")
    assert canonical_business_tokens(("rossi", "e", "figli")) == ("rossi", "and", "figli")


@pytest.mark.parametrize(
    ("held", "entered", "outcome", "rule"),
    [
        ("Gebr. Bakker B.V.", "Gebroeders Bakker BV", Outcome.CLOSE_MATCH,
         "business-abbreviation"),
        ("Bakkerij Jansen B.V.", "Bakkerij Jansen Besloten Vennootschap", Outcome.MATCH, "exact"),
        ("Schneider Logistik GmbH & Co. KG", "Schneider Logistik KG", Outcome.CLOSE_MATCH,
         "legal-form-differs"),
        ("SIA Rīgas Koks", "Rigas Koks", Outcome.CLOSE_MATCH, "legal-form-missing"),
    ],
)
def test_business_decisions_carry_their_rule(held, entered, outcome, rule):
    decision = decide(entered, Holder((held,), BUSINESS), BUSINESS)
    assert (decision.outcome, decision.rule) == (outcome, rule)
