"""The evaluation report and the case format."""

import pytest

from cop.evaluation import CaseError, evaluate, parse_case, split_joint_name


def case(**overrides):
    raw = {
        "id": "x1",
        "holder_name": "John Smith",
        "holder_type": "personal",
        "entered_name": "John Smith",
        "entered_type": "personal",
        "expected": "MATCH",
    }
    raw.update(overrides)
    return parse_case(raw)


def test_report_counts_confusion_and_wrong_cases():
    cases = [
        case(id="a"),
        case(id="b", entered_name="Jon Smith", expected="CLOSE_MATCH"),
        case(id="c", entered_name="Peter Jones", expected="MATCH"),
    ]
    report = evaluate(cases)
    assert (report.total, report.correct) == (3, 2)
    assert report.accuracy == pytest.approx(2 / 3)
    assert report.confusion["MATCH"]["NO_MATCH"] == 1
    assert [w["id"] for w in report.wrong] == ["c"]
    assert report.rows[1] == {
        "id": "b",
        "outcome": "CLOSE_MATCH",
        "reason_code": "MBAM",
        "matched_name": "John Smith",
        "rule": "variant-spelling",
    }


def test_safety_figures():
    cases = [
        case(id="a", entered_name="Jon Smith", expected="NO_MATCH"),
        case(id="b", entered_name="Peter Jones", expected="NO_MATCH"),
    ]
    report = evaluate(cases)
    assert report.match_for_no_match == 0
    assert report.close_rate_for_no_match == 0.5
    assert report.summary()["close_rate_for_no_match"] == 0.5


def test_joint_holder_name_is_split():
    assert split_joint_name("John & Mary Smith") == ("John Smith", "Mary Smith")
    assert split_joint_name("Ann Lee and Bo Chan") == ("Ann Lee", "Bo Chan")
    assert case(holder_name="John & Mary Smith").holder.names == ("John Smith", "Mary Smith")


def test_business_holder_name_is_not_split():
    parsed = case(holder_name="Marks & Spencer plc", holder_type="business")
    assert parsed.holder.names == ("Marks & Spencer plc",)


def test_holder_names_and_trading_names_fields():
    parsed = case(holder_names=["A B", "C D"], trading_names=["E F"])
    assert parsed.holder.names == ("A B", "C D")
    assert parsed.holder.trading_names == ("E F",)


@pytest.mark.parametrize(
    "bad",
    [
        {"expected": "YES"},
        {"holder_type": "corporate"},
        {"entered_type": "company"},
    ],
)
def test_invalid_cases_are_rejected(bad):
    with pytest.raises(CaseError):
        case(**bad)


def test_missing_field_is_rejected():
    with pytest.raises(CaseError, match="entered_name"):
        parse_case({"id": "1", "holder_name": "A", "holder_type": "personal", "expected": "MATCH"})


def test_country_and_category_fields():
    parsed = case(country="hu", category="name-order")
    assert parsed.holder.country == "HU"
    assert parsed.category == "name-order"
    report = evaluate([parsed, case(id="y", category="name-order", entered_name="Jo Bloggs")])
    assert report.categories == {"name-order": {"total": 2, "correct": 1}}


@pytest.mark.parametrize("country", ["HUN", "1A", 7])
def test_invalid_country_is_rejected(country):
    with pytest.raises(CaseError, match="country"):
        case(country=country)
