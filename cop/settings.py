"""This package's rows of the settings table (see core.config.load_settings):
name -> (default, parser, description), parsed once when the app is created.
docs/payee-checks.md lists them under *Settings*."""

from __future__ import annotations

from limits import parse_many

from core.config import at_least, boolean


def rate_limit(value: str) -> str:
    """One fixed-window limit in flask-limiter's notation, kept as text: the limiter and the
    disclosure gate read that notation themselves."""
    form = "a count per period, e.g. 6000/minute, 30 per minute or 100/10 seconds"
    try:
        items = parse_many(value)
    except ValueError:
        raise ValueError(form) from None
    # "a/b;c/d" parses, but each reader takes only the first limit: refuse it, not half-apply it
    if len(items) != 1:
        raise ValueError(form)
    return value.strip()


count = at_least(0)


SETTINGS = {
    "COP_RATE_LIMIT": ("6000/minute", rate_limit, "Single payee checks per TPP"),
    "COP_BULK_RATE_LIMIT": ("30/minute", rate_limit, "Bulk payee-check requests per TPP"),
    "COP_DISCLOSURE_LIMIT": ("20000/hour", rate_limit,
                             "Answers that disclose a holder's name (close matches), per TPP"),
    "COP_BULK_SYNC_MAX": (10_000, count,
                          "Batch items answered in the response; more become a job"),
    "COP_BULK_MAX": (100_000, count, "Items accepted in one batch at all"),
    "COP_TIMESTAMP_SKEW_SECONDS": (300, count,
                                   "Accepted distance of EU VoP X-Request-Timestamp from our "
                                   "clock"),
    "COP_JOBS_INLINE": (False, boolean,
                        "Run bulk jobs inside the request (tests) instead of a worker thread"),
    "COP_MATCH_PROCESSES": (0, count,
                            "Extra processes that decide a large batch's names beside the "
                            "worker's own thread; 0: the worker alone (on 2 shared cores the "
                            "processes cost more CPU than they save)"),
    "COP_BULK_JOB_LEASE_SECONDS": (60, count,
                                   "How long a bulk job's worker answers for it without a sign "
                                   "of life; then the next poll runs it again"),
    "COP_JWS_ISS": ("", str, "The iss of the signatures on UK CoP answers; empty: ISSUER"),
    "COP_JWS_TAN": ("", str,
                    "The tan of the signatures on UK CoP answers; empty: the host of ISSUER"),
    "COP_JWS_TRUST_ANCHORS": ("openbanking.org.uk", str,
                              "tan values accepted on signed requests (comma-separated), "
                              "besides our own"),
    "COP_JWS_MAX_AGE_SECONDS": (300, count, "How old a signed request's iat may be"),
}
