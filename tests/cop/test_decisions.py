"""Every decision on the labelled corpora, pinned: outcome, rule, disclosed name and scores.

`test_corpus.py` checks agreement with the labels; this checks that nothing else moved. A
change meant to be faster (or tidier) must leave every decision as it was, including the rule
that explains it and the scores recorded for audit, whether the matcher's caches are warm or
empty. When a rule is changed on purpose, write the new decisions and review their diff:

    .venv/bin/python -m tests.cop.test_decisions
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cop.evaluation import parse_case
from cop.matching import clear_caches, decide

HERE = Path(__file__).parent
PINNED = HERE / "decisions.jsonl"
CORPORA = ("corpus.jsonl", "holdout.jsonl", "eu_corpus.jsonl", "eu_holdout.jsonl")


def _cases():
    for name in CORPORA:
        with open(HERE / name, encoding="utf-8") as fh:
            yield from (parse_case(json.loads(line)) for line in fh if line.strip())


def _decision(case) -> dict:
    d = decide(case.entered_name, case.holder, case.entered_type)
    return {"id": case.id, "outcome": d.outcome.value, "name_outcome": d.name_outcome.value,
            "rule": d.rule, "account_type_mismatch": d.account_type_mismatch,
            "matched_name": d.matched_name, "scores": d.scores}


def _pinned() -> dict[str, dict]:
    with open(PINNED, encoding="utf-8") as fh:
        return {row["id"]: row for row in map(json.loads, fh)}


@pytest.mark.parametrize("caches", ["warm", "emptied before each case"])
def test_every_corpus_decision_is_as_pinned(caches):
    pinned = _pinned()
    clear_caches()
    changed = []
    for case in _cases():
        if caches != "warm":
            clear_caches()
        now = _decision(case)
        if now != pinned.get(case.id):
            changed.append((case.id, pinned.get(case.id), now))
    assert len(pinned) == sum(1 for _ in _cases())
    assert not changed, changed[:10]


if __name__ == "__main__":
    with open(PINNED, "w", encoding="utf-8") as out:
        for case in _cases():
            out.write(json.dumps(_decision(case), ensure_ascii=False) + "\n")
