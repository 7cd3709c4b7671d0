"""The payee-name matcher: one decision, with the rule that made it, for both schemes.

Pure: no Flask, no database, no I/O. The decision is rule-based because a bank must be able to
explain each answer ("an initial was given for the first name"): rapidfuzz edit distances decide
what counts as a typo, and whole-name similarity scores are recorded with every decision for
audit and for tuning. Outcomes:

- MATCH: the entered name is the account name, allowing for what does not change who is meant
  (case, accents, spacing, titles, word order, an omitted middle name, Ltd/Limited).
- CLOSE_MATCH: very probably the right account, named loosely (a typo, an initial, a nickname,
  another romanisation, a missing legal form, a wrong account type). The held name is disclosed.
- NO_MATCH: another person or company, or too little to tell.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz import fuzz
from rapidfuzz.distance import JaroWinkler

from cop.normalise import CACHES as _NORMALISER_CACHES
from cop.normalise import normalise, split_trading_as
from cop.rules import (
    BUSINESS,
    DEFAULT_CONFIG,
    PERSONAL,
    RANK,
    MatchConfig,
    Outcome,
    Parsed,
    Verdict,
    compare_business,
    compare_person,
    parse_name,
)
from cop.rules import CACHES as _RULES_CACHES
from cop.tokens import relate

__all__ = [
    "BUSINESS",
    "DEFAULT_CONFIG",
    "PERSONAL",
    "Decision",
    "Holder",
    "MatchConfig",
    "Outcome",
    "clear_caches",
    "decide",
]


@dataclass(frozen=True, slots=True)
class Holder:
    """What the directory holds about an account's owners."""

    names: tuple[str, ...]
    holder_type: str = PERSONAL
    trading_names: tuple[str, ...] = ()
    # The account's country (the IBAN's first two letters), or None: a hint for reading the
    # order of a name's parts, never the only signal (see `cop/name_order.py`).
    country: str | None = None


class Decision(NamedTuple):
    """One decision. A named tuple, not a frozen dataclass: one is made for every check, and
    a frozen dataclass sets each field through `object.__setattr__`."""

    outcome: Outcome  # what the payer is told, account type included
    name_outcome: Outcome  # the name comparison alone
    rule: str  # short stable id of the rule that decided
    account_type_mismatch: bool
    holder_type: str
    matched_name: str | None  # the held name to disclose; only for a close name match
    scores: dict[str, float]


class _Candidate(NamedTuple):
    parsed: Parsed
    personal: bool  # compare as a person's name (personal account, or a sole trader's name)


# Both caches are keyed by the account's strings, not by the `Holder`: a key of strings is
# hashed in C, and the garbage collector stops walking it once it has seen it.
@lru_cache(maxsize=16384)
def _held_normals(names: tuple[str, ...], trading_names: tuple[str, ...]) -> tuple[
        tuple[str, str], ...]:
    """(normalised, as held) of every name of the account, for the exact test every check
    starts with: most checks end there, without reading any name's parts."""
    parts = [part for name in names for part in split_trading_as(name)]
    return tuple([(normalise(name), name) for name in (*parts, *trading_names)])


@lru_cache(maxsize=16384)
def _candidates(names: tuple[str, ...], trading_names: tuple[str, ...], business: bool,
                country: str | None) -> tuple[_Candidate, ...]:
    out: list[_Candidate] = []
    for name in names:
        parts = split_trading_as(name)
        for index, part in enumerate(parts):
            parsed = parse_name(part, business, country)
            sole_trader = index == 0 and len(parts) > 1 and parsed.legal_form is None
            out.append(_Candidate(parsed, not business or sole_trader))
    for name in trading_names:  # a business's name, whoever holds the account (a sole trader)
        out.append(_Candidate(parse_name(name, True, country), False))
    return tuple(out)


def _compare(
    candidate: _Candidate, entered: Parsed, entered_type: str | None, cfg: MatchConfig
) -> Verdict:
    if not candidate.personal:
        if entered.business_words is None:  # read as a person's (the holder's) name
            entered = parse_name(entered.display, True)
        return compare_business(candidate.parsed, entered, entered_type, cfg)
    verdict = compare_person(candidate.parsed.words, entered.words, cfg)
    if entered.legal_form:
        # A company name given for a person: close only when it is exactly their name.
        if verdict.outcome is Outcome.MATCH:
            return Verdict(Outcome.CLOSE_MATCH, "legal-form-differs")
        return Verdict(Outcome.NO_MATCH, "company-name-for-person")
    return verdict


_EXACT = Verdict(Outcome.MATCH, "exact")
# What `_scores` gives for two names that normalise alike.
_EXACT_SCORES = {"token_sort_ratio": 100.0, "jaro_winkler": 100.0}


def _scores(held: str, entered: str) -> dict[str, float]:
    return _normal_scores(normalise(held), normalise(entered))


def _normal_scores(a: str, b: str) -> dict[str, float]:
    """`_scores` of two names already normalised."""
    return {
        "token_sort_ratio": round(fuzz.token_sort_ratio(a, b), 1),
        "jaro_winkler": round(JaroWinkler.normalized_similarity(a, b) * 100, 1),
    }


def _joint_parts(entered: str) -> list[str] | None:
    """"John and Mary Smith" -> ["John Smith", "Mary Smith"]; None for one person's name."""
    typed = normalise(entered)
    if " and " not in typed:  # single-spaced words: "and" is neither the first nor the last
        return None
    words = typed.split()
    parts, current = [], []
    for word in words:
        if word == "and":
            if current:
                parts.append(current)
            current = []
        else:
            current.append(word)
    if current:
        parts.append(current)
    if len(parts) < 2:
        return None
    surname = parts[-1][-1]
    return [" ".join(p if len(p) > 1 else [*p, surname]) for p in parts]


def _decide_name(
    entered: str, holder: Holder, entered_type: str | None, cfg: MatchConfig
) -> tuple[Verdict, str | None, dict[str, float]]:
    """The best verdict over every held name (holders, legal and trading names)."""
    business = holder.holder_type == BUSINESS
    typed = normalise(entered)
    normals = _held_normals(holder.names, holder.trading_names)
    if typed:
        for normal, display in normals:
            if normal == typed:  # the common case, decided before any held name is parsed
                return _EXACT, display, dict(_EXACT_SCORES)
    candidates = _candidates(holder.names, holder.trading_names, business, holder.country)
    parts = split_trading_as(entered)
    if len(parts) == 1 and len(candidates) == 1:  # most checks: one name against one name
        candidate = candidates[0]
        part = parts[0]
        verdict = _compare(candidate, parse_name(part, business, holder.country),
                           entered_type, cfg)
        if verdict.outcome is not Outcome.MATCH and not business:
            joint = _joint_parts(entered)
            if joint:
                return _decide_joint(joint, holder, entered_type, cfg)
        display = candidate.parsed.display
        held_normal = normals[0][0] if normals[0][1] == display else normalise(display)
        scores = _normal_scores(held_normal, typed if part == entered else normalise(part))
        return verdict, display, scores
    best: list[tuple[Verdict, str, str]] = []
    best_rank = -1
    for part in parts:
        parsed = parse_name(part, business, holder.country)
        for candidate in candidates:
            verdict = _compare(candidate, parsed, entered_type, cfg)
            rank = RANK[verdict.outcome]
            if rank > best_rank:
                best, best_rank = [], rank
            if rank == best_rank:
                best.append((verdict, candidate.parsed.display, part))
    if not best:
        return Verdict(Outcome.NO_MATCH, "no-holder-name"), None, {}
    joint = None if business else _joint_parts(entered)
    if joint and best[0][0].outcome is not Outcome.MATCH:
        return _decide_joint(joint, holder, entered_type, cfg)
    if len(best) > 1:  # equally good: disclose the held name most like what was typed
        best.sort(key=lambda b: -fuzz.token_sort_ratio(normalise(b[1]), normalise(b[2])))
    verdict, held_name, part = best[0]
    return verdict, held_name, _scores(held_name, part)


def _decide_joint(parts, holder, entered_type, cfg):
    """Each person named must be a holder; the weakest of their results is the answer."""
    used: set[str] = set()
    results = []
    for part in parts:
        verdict, name, scores = _decide_name(part, Holder(
            tuple(n for n in holder.names if n not in used) or holder.names, holder.holder_type
        ), entered_type, cfg)
        if verdict.outcome is Outcome.NO_MATCH:
            return Verdict(Outcome.NO_MATCH, "third-person-named"), None, scores
        used.add(name or "")
        results.append((verdict, name, scores))
    worst = min(results, key=lambda r: RANK[r[0].outcome])
    names = " & ".join(r[1] for r in results if r[1])
    if worst[0].outcome is Outcome.MATCH:
        return Verdict(Outcome.MATCH, "joint-holders"), names, worst[2]
    return worst[0], names, worst[2]


def decide(
    entered_name: str,
    holder: Holder,
    entered_type: str | None = None,
    config: MatchConfig = DEFAULT_CONFIG,
) -> Decision:
    """Decide whether `entered_name` (and account type, when given) names this account."""
    verdict, held_name, scores = _decide_name(entered_name, holder, entered_type, config)
    mismatch = entered_type is not None and entered_type != holder.holder_type
    outcome = verdict.outcome
    if mismatch and outcome is Outcome.MATCH:
        outcome = Outcome.CLOSE_MATCH
    return Decision(
        outcome=outcome,
        name_outcome=verdict.outcome,
        rule=verdict.rule,
        account_type_mismatch=mismatch,
        holder_type=holder.holder_type,
        matched_name=held_name if verdict.outcome is Outcome.CLOSE_MATCH else None,
        scores=scores,
    )


def clear_caches() -> None:
    """Empty every cache of the matcher, as on a worker just started: the benchmarks measure
    first-seen decisions this way."""
    for cache in (*_NORMALISER_CACHES, *_RULES_CACHES, relate, _candidates, _held_normals):
        cache.cache_clear()
