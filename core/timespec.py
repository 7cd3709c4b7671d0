"""Times and durations as an operator types them on the command line, so that documented
commands keep working on any day: `+2h` (two hours from now), `2h`, `1h30m`, ISO 8601 durations
(`PT2H`, `P1DT6H`), `now`, and absolute ISO 8601 times (UTC when no offset is given).

Plain Python, no Flask: the CLI turns a `ValueError` into its usage error.
"""

from __future__ import annotations

import datetime as dt
import re

UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
COMPACT = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
ISO = re.compile(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
FORMS = ("a duration such as 2h, 90m, 1h30m, 1d or an ISO 8601 duration such as PT2H or "
         "P1DT6H")
TIME_FORMS = ("an ISO 8601 time (2026-12-24T01:00Z; UTC when no offset), now, or a time "
              "relative to now such as +2h, -30m, +1d or +PT2H")


def parse_duration(text: str) -> dt.timedelta:
    """`2h`, `1h30m`, `45s`, `1w2d`, or ISO 8601 `PT2H`/`P1DT6H`/`P2W` (case-insensitive).
    Years and months are refused: their length depends on the date."""
    value = text.strip()
    upper = value.upper()
    if upper.startswith("P"):
        match = ISO.fullmatch(upper)
        if not match or upper in ("P", "PT") or upper.endswith("T"):
            raise ValueError(f"{text!r} is not {FORMS}")
        weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    else:
        match = COMPACT.fullmatch(value.lower())
        if not value or not match:
            raise ValueError(f"{text!r} is not {FORMS}")
        weeks, days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    return dt.timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


def parse_time(text: str, now: dt.datetime) -> dt.datetime:
    """An absolute ISO 8601 time (an offset-less one is UTC), `now`, or `now ± duration`."""
    value = text.strip()
    if value.lower() == "now":
        return now
    if value[:1] in "+-" and value[1:]:
        try:
            offset = parse_duration(value[1:])
        except ValueError:
            raise ValueError(f"{text!r} is not {TIME_FORMS}") from None
        return now + offset if value[0] == "+" else now - offset
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{text!r} is not {TIME_FORMS}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def format_duration(delta: dt.timedelta) -> str:
    """The compact form (`1d2h30m`) of a whole-second, non-negative duration."""
    seconds = int(delta.total_seconds())
    parts = []
    for unit, size in UNITS.items():
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
