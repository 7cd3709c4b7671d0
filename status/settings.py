"""This package's rows of the settings table (see core.config.load_settings):
name -> (default, parser, description), parsed once when the app is created."""

from __future__ import annotations

from core.config import boolean, number, whole_number


def bank_ids(value: str) -> tuple[str, ...]:
    """Comma-separated bank ids, e.g. alpha-bank,beta-bank."""
    return tuple(item.strip() for item in value.split(",") if item.strip())


def worker_mode(value: str) -> str:
    """auto, or on/off (also true/false, 1/0, yes/no)."""
    mode = value.strip().lower()
    if mode == "auto":
        return mode
    try:
        return "on" if boolean(mode) else "off"
    except ValueError:
        raise ValueError("on, off or auto") from None


SETTINGS = {
    "STATUS_BANK_IDS": ((), bank_ids, "Comma-separated bank ids accepted in notices when no "
                        "bank registry is loaded; empty = any bank-id slug"),
    "STATUS_PAGE_DAYS": (90, whole_number, "Days of availability bars on /status"),
    "STATUS_WORKER": ("auto", worker_mode, "In-process webhook/rollup worker thread: on, off, "
                      "or auto (on for the embedded default, off under tests)"),
    "STATUS_WORKER_INTERVAL_SECONDS": (2.0, number, "Pause between worker passes"),
    "STATUS_WEBHOOKS_ALLOW_HTTP_LOOPBACK": (False, boolean,
                                            "Accept http://127.0.0.1 / localhost webhook URLs "
                                            "(tests, local demos); production requires https"),
    "STATUS_WEBHOOK_TIMEOUT_SECONDS": (5.0, number, "Timeout of one webhook POST"),
    "STATUS_WEBHOOK_MAX_ATTEMPTS": (12, whole_number, "Attempts before a delivery is marked "
                                    "failed"),
    "STATUS_WEBHOOK_BACKOFF_SECONDS": (15.0, number, "First retry delay; doubles per attempt"),
    "STATUS_WEBHOOK_MAX_BACKOFF_SECONDS": (3600.0, number, "Longest retry delay"),
    "STATUS_OUTAGE_FAILURES": (5, whole_number, "Consecutive failed bank calls that make an "
                               "outage (RTS Art. 33)"),
    "STATUS_OUTAGE_WINDOW_SECONDS": (30.0, number, "…within this many seconds (RTS Art. 33)"),
    "STATUS_MEASURE_FLUSH_SECONDS": (1.0, number, "How often each process adds its request "
                                     "counts to Redis (0: on every request)"),
}
