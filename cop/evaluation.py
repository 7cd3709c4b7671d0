"""Evaluation of the matcher against labelled cases: the product's accuracy, measured.

Pure: takes parsed cases, returns figures. The CLI and the tests read the corpus files and
call this. Case format (one JSON object per line):

    id, holder_name, holder_type (personal|business), entered_name,
    entered_type (personal|business|null), expected (MATCH|CLOSE_MATCH|NO_MATCH)

and optionally `holder_names` (a list: the holders of a joint account, used instead of
splitting `holder_name`), `trading_names` (a list of names the business trades under),
`country` (the account's country, the IBAN's first two letters: a hint for name order) and
`category` (a label for reporting agreement per kind of case).
A personal `holder_name` such as "John & Mary Smith" is read as two holders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cop.codes import uk_reason
from cop.matching import BUSINESS, DEFAULT_CONFIG, PERSONAL, Holder, MatchConfig, Outcome, decide

OUTCOMES = (Outcome.MATCH.value, Outcome.CLOSE_MATCH.value, Outcome.NO_MATCH.value)
_JOINT = re.compile(r"\s+(?:&|and)\s+", re.IGNORECASE)


class CaseError(ValueError):
    """A labelled case that cannot be evaluated, with the reason."""


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    holder: Holder
    entered_name: str
    entered_type: str | None
    expected: str
    category: str | None = None


def split_joint_name(name: str) -> tuple[str, ...]:
    """"John & Mary Smith" -> ("John Smith", "Mary Smith"); a one-word part takes the surname."""
    parts = [p.strip() for p in _JOINT.split(name) if p.strip()]
    if len(parts) < 2:
        return (name,)
    surname = parts[-1].split()[-1]
    return tuple(p if len(p.split()) > 1 else f"{p} {surname}" for p in parts)


def parse_case(raw: Mapping[str, Any]) -> Case:
    try:
        case_id = str(raw["id"])
        holder_name = str(raw["holder_name"])
        holder_type = raw["holder_type"]
        entered = str(raw["entered_name"])
        expected = raw["expected"]
    except KeyError as missing:
        raise CaseError(f"missing field {missing}") from None
    entered_type = raw.get("entered_type")
    if holder_type not in (PERSONAL, BUSINESS):
        raise CaseError(f"holder_type must be personal or business, not {holder_type!r}")
    if entered_type not in (None, PERSONAL, BUSINESS):
        raise CaseError(f"entered_type must be personal, business or null, not {entered_type!r}")
    if expected not in OUTCOMES:
        raise CaseError(f"expected must be one of {', '.join(OUTCOMES)}, not {expected!r}")
    names = raw.get("holder_names")
    if names:
        holders = tuple(str(n) for n in names)
    elif holder_type == PERSONAL:
        holders = split_joint_name(holder_name)
    else:
        holders = (holder_name,)
    trading = tuple(str(n) for n in raw.get("trading_names") or ())
    country = raw.get("country")
    if country is not None and not (
        isinstance(country, str) and len(country) == 2 and country.isalpha()
    ):
        raise CaseError(f"country must be two letters (the IBAN's country code), not {country!r}")
    category = raw.get("category")
    holder = Holder(holders, holder_type, trading, country.upper() if country else None)
    return Case(case_id, holder, entered, entered_type, expected,
                str(category) if category is not None else None)


@dataclass(slots=True)
class Report:
    total: int = 0
    correct: int = 0
    confusion: dict[str, dict[str, int]] = field(
        default_factory=lambda: {e: dict.fromkeys(OUTCOMES, 0) for e in OUTCOMES}
    )
    rows: list[dict[str, Any]] = field(default_factory=list)
    wrong: list[dict[str, Any]] = field(default_factory=list)
    categories: dict[str, dict[str, int]] = field(default_factory=dict)  # {"total", "correct"}

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def match_for_no_match(self) -> int:
        """The dangerous error: a stranger's account confirmed as the payee's."""
        return self.confusion["NO_MATCH"]["MATCH"]

    @property
    def close_rate_for_no_match(self) -> float:
        """Share of true NO_MATCH cases answered CLOSE_MATCH, i.e. disclosing a name."""
        row = self.confusion["NO_MATCH"]
        total = sum(row.values())
        return row["CLOSE_MATCH"] / total if total else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "correct": self.correct,
            "accuracy": round(self.accuracy, 4),
            "match_for_no_match": self.match_for_no_match,
            "close_rate_for_no_match": round(self.close_rate_for_no_match, 4),
            "confusion": self.confusion,
            "categories": self.categories,
        }


def evaluate(cases: Iterable[Case], config: MatchConfig = DEFAULT_CONFIG) -> Report:
    report = Report()
    for case in cases:
        decision = decide(case.entered_name, case.holder, case.entered_type, config)
        reason = uk_reason(decision)
        row = {
            "id": case.id,
            "outcome": decision.outcome.value,
            "reason_code": reason.value if reason else None,
            "matched_name": decision.matched_name,
            "rule": decision.rule,
        }
        report.total += 1
        report.confusion[case.expected][decision.outcome.value] += 1
        report.rows.append(row)
        right = decision.outcome.value == case.expected
        if case.category is not None:
            figures = report.categories.setdefault(case.category, {"total": 0, "correct": 0})
            figures["total"] += 1
            figures["correct"] += right
        if right:
            report.correct += 1
        else:
            report.wrong.append({**row, "expected": case.expected, "scores": decision.scores})
    return report
