"""The matcher's rules, one example each, and properties that hold for any name."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cop.matching import Holder, MatchConfig, Outcome, decide
from cop.names import GIVEN_NAMES
from cop.normalise import normalise
from cop.tokens import TypoPolicy

M, C, X = Outcome.MATCH, Outcome.CLOSE_MATCH, Outcome.NO_MATCH
RULE_ID = re.compile(r"^[a-z]+(?:-[a-z]+)*$")


def person(*names):
    return Holder(tuple(names), "personal")


def company(name, *trading):
    return Holder((name,), "business", tuple(trading))


RULES = [
    # (holder, entered, outcome, rule)
    (person("John Smith"), "JOHN SMITH", M, "exact"),
    (person("John Smith"), "Smith John", M, "reordered"),
    (person("John Andrew Smith"), "John Smith", M, "middle-name-omitted"),
    (person("Anna Kowalczyk Nowak"), "Anna Kowalczyk-Nowak", M, "exact"),
    (person("Chan Tai Man"), "Taiman Chan", M, "reordered"),
    (person("Sean Murphy", "Aoife Murphy"), "Sean and Aoife Murphy", M, "joint-holders"),
    (person("John Smith"), "J Smith", C, "initial"),
    (person("Robert Smith"), "Bob Smith", C, "nickname"),
    (person("Mohammed Rahman"), "Muhammad Rahman", C, "variant-spelling"),
    (person("Catherine Jones"), "Catherine Jnoes", C, "typo"),
    (person("Thomas Brown"), "Thomas Paul Brown", C, "extra-name"),
    (person("Lucía Fernández Ruiz"), "Lucia Fernandez", C, "part-of-double-surname"),
    (person("Agnieszka Kowalczyk-Nowak"), "Agnieszka Nowak", C, "part-of-double-surname"),
    (person("Guillaume de la Fontaine"), "Guillaume Fontaine", C, "surname-particle-omitted"),
    (person("Kiran Patel"), "Kiran Patel Ltd", C, "legal-form-differs"),
    (person("Li Na"), "Lu Na", X, "different-given-name"),
    (person("Daniel Hughes"), "Daniela Hughes", X, "another-real-name"),
    (person("Mark Stevens"), "Mary Stevens", X, "another-real-name"),
    (person("John Michael Harris"), "Michael Harris", X, "middle-name-as-first"),
    (person("John Smith"), "John Jones", X, "different-surname"),
    (person("John Smith"), "Smith", X, "single-name-only"),
    (person("John Michael Smith"), "John Michael", X, "surname-missing"),
    (person("John Smith"), "John S", X, "surname-initial-only"),
    (person("Robert Smith"), "Bob Smyth", X, "no-exact-word"),
    (person("Ali Khan"), "Mohammed Ali Khan", X, "extra-given-name"),
    (person("Sean Murphy", "Aoife Murphy"), "Sean and Ciara Murphy", X, "third-person-named"),
    (person("Kiran Patel"), "Kiran Patel Consulting Ltd", X, "company-name-for-person"),
    (company("Acme Widgets Limited"), "ACME WIDGETS LTD", M, "exact"),
    (company("Kowalczyk Budownictwo Sp. z o.o.", "Kowalczyk Build"), "Kowalczyk Build", M, "exact"),
    (company("Priya Patel t/a Patel Pharmacy"), "Patel Pharmacy", M, "exact"),
    (company("Oakfield Dental Ltd"), "Oakfield Dental", C, "legal-form-missing"),
    (company("Oakfield Dental Ltd"), "Oakfield Dental PLC", C, "legal-form-differs"),
    (company("Greenfield Farms LLP"), "Greenfield Farm LLP", C, "typo"),
    (company("Smith & Jones Ltd"), "Jones & Smith Ltd", C, "reordered-business-name"),
    (company("Oakfield Dental Ltd"), "Oakfield Dental Care Ltd", X, "different-business-name"),
]


@pytest.mark.parametrize(("holder", "entered", "outcome", "rule"), RULES)
def test_rule(holder, entered, outcome, rule):
    decision = decide(entered, holder)
    assert (decision.outcome, decision.rule) == (outcome, rule)


def test_owner_name_for_company_is_no_match():
    decision = decide("John Smith", company("John Smith Ltd"), "personal")
    assert (decision.outcome, decision.rule) == (X, "person-name-for-company")


@pytest.mark.parametrize(
    ("holder", "entered_type", "outcome", "name_outcome"),
    [
        (person("Grace Adeyemi"), "business", C, M),
        (person("Grace Adeyemi"), "personal", M, M),
        (person("Grace Adeyemi"), None, M, M),
        (company("Harbour Cafe Ltd"), "personal", C, M),
    ],
)
def test_account_type_mismatch_turns_a_match_close(holder, entered_type, outcome, name_outcome):
    entered = holder.names[0]
    decision = decide(entered, holder, entered_type)
    assert decision.outcome is outcome
    assert decision.name_outcome is name_outcome
    assert decision.matched_name is None  # the payer already has the name right


def test_close_match_discloses_the_closest_holder():
    decision = decide("Niamh Bryne", person("Michael Byrne", "Niamh Byrne"))
    assert decision.outcome is C
    assert decision.matched_name == "Niamh Byrne"


def test_trading_name_close_match_discloses_that_trading_name():
    decision = decide("Big Wheel Event", company("Ferris Wheel Events Ltd", "Big Wheel Events"))
    assert (decision.outcome, decision.matched_name) == (C, "Big Wheel Events")


def test_no_match_discloses_nothing():
    assert decide("Peter Jones", person("John Smith")).matched_name is None


def test_decision_records_scores():
    scores = decide("John Smyth", person("John Smith")).scores
    assert set(scores) == {"token_sort_ratio", "jaro_winkler"}
    assert 0 < scores["token_sort_ratio"] < 100


def test_thresholds_are_configuration():
    strict = MatchConfig(typos=TypoPolicy(max_edits=0, two_edits_min_length=99,
                                          transposition_min_length=99))
    assert decide("John Smyth", person("John Smith")).outcome is C
    assert decide("John Smyth", person("John Smith"), config=strict).outcome is X


def test_holder_without_names_is_no_match():
    assert decide("John Smith", Holder(())).outcome is X


names = st.text(min_size=1, max_size=40)
given_names = st.sampled_from(sorted(GIVEN_NAMES))
surnames = st.sampled_from(["Smith", "Okafor", "Nowak", "García López", "Nguyễn", "Müller",
                            "Papadopoulos", "O'Brien", "Al-Farsi", "Kowalczyk-Nowak"])
kinds = st.sampled_from(["personal", "business"])


@given(names, kinds)
def test_equal_names_always_match(name, kind):
    decision = decide(name, Holder((name,), kind))
    if any(ch.isalnum() for ch in normalise(name)):
        assert decision.outcome is M
    else:
        assert decision.outcome is X


@given(names, names, kinds, st.sampled_from([None, "personal", "business"]))
def test_every_decision_is_explained(held, entered, kind, entered_type):
    decision = decide(entered, Holder((held,), kind), entered_type)
    assert RULE_ID.match(decision.rule)
    assert (decision.matched_name is not None) == (decision.name_outcome is C)
    if decision.outcome is M:
        assert decision.name_outcome is M and not decision.account_type_mismatch


@given(given_names, surnames, given_names, surnames)
def test_case_spacing_and_titles_do_not_change_the_outcome(first, last, e_first, e_last):
    holder = person(f"{first} {last}")
    entered = f"{e_first} {e_last}"
    outcome = decide(entered, holder).outcome
    assert decide(entered.upper(), holder).outcome is outcome
    assert decide(f"  Mr {e_first}   {e_last} ", holder).outcome is outcome


@given(given_names, surnames, given_names)
def test_a_different_first_name_is_never_a_match(first, last, other):
    if normalise(first) == normalise(other):
        return
    assert decide(f"{other} {last}", person(f"{first} {last}")).outcome is not M


@given(given_names, given_names, surnames)
def test_any_holder_of_a_joint_account_matches(first, second, last):
    holder = person(f"{first} {last}", f"{second} {last}")
    assert decide(f"{second} {last}", holder).outcome is M


GENDERED_SAMPLE = [("Giovanni", "Giovanna"), ("Jan", "Jana"), ("Francesco", "Francesca"),
                   ("Petr", "Petra"), ("Jean", "Jeanne"), ("Konstantinos", "Konstantina")]


@pytest.mark.parametrize(("one", "other"), GENDERED_SAMPLE)
def test_gendered_given_names_are_other_people_never_disclosed(one, other):
    for held, typed in ((one, other), (other, one)):
        decision = decide(f"{typed} Ferraro", Holder((f"{held} Ferraro",)), "personal")
        assert (decision.outcome, decision.rule) == (Outcome.NO_MATCH, "another-real-name")
        assert decision.matched_name is None


@pytest.mark.parametrize(
    ("held", "typed"),
    [("Jacob de Boer", "Jaap de Boer"), ("Cornelis van Dam", "Kees van Dam"),
     ("Francisco Romero", "Paco Romero"), ("Giuseppe Conti", "Beppe Conti"),
     ("László Varga", "Laci Varga")],
)
def test_eu_short_forms_are_close_matches(held, typed):
    decision = decide(typed, Holder((held,)), "personal")
    assert (decision.outcome, decision.rule, decision.matched_name) == (
        Outcome.CLOSE_MATCH, "nickname", held,
    )


def test_noble_title_omitted_is_a_particle_omitted():
    decision = decide("Sophie von Arnim", Holder(("Sophie Gräfin von Arnim",)), "personal")
    assert (decision.outcome, decision.rule) == (Outcome.CLOSE_MATCH, "surname-particle-omitted")


def test_a_sole_traders_trading_name_is_read_as_a_business_name():
    """A personal account may hold trading names (a sole trader's): they are compared as the
    business names they are, and the holder's own name as a person's."""
    holder = Holder(("John Smith",), "personal", ("Smith Plumbing Services",))
    assert decide("Smith Plumbing Services", holder).outcome is Outcome.MATCH
    near = decide("Smith Plumbing Servics", holder)
    assert near.outcome is Outcome.CLOSE_MATCH and near.matched_name == "Smith Plumbing Services"
    assert decide("John Smith", holder).outcome is Outcome.MATCH
    assert decide("Jane Doe", holder).outcome is Outcome.NO_MATCH
    assert decide("Smith Plumbing Services Ltd", holder).outcome is not Outcome.MATCH
