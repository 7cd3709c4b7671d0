"""Human-readable descriptions of the problem types, served where their `type` URIs point."""

from __future__ import annotations

from flask import Blueprint

from core.errors import PROBLEM_TYPES, NotFound, problem_type

blp = Blueprint("problems", __name__)


@blp.get("/problems")
def list_problem_types():
    return {
        "problem_types": [
            {"type": problem_type(slug), "status": status, "title": title}
            for slug, (status, title) in sorted(PROBLEM_TYPES.items())
        ]
    }


@blp.get("/problems/<slug>")
def describe_problem_type(slug: str):
    if slug not in PROBLEM_TYPES:
        raise NotFound(f"No problem type {slug!r}.")
    status, title = PROBLEM_TYPES[slug]
    return {"type": problem_type(slug), "status": status, "title": title}
