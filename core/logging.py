"""JSON logs, one object per line, with the request's interaction id and no secrets in clear.

Redaction works twice: by key (anything that looks like a token, password, name or account
identifier is masked) and by value (IBANs, UK account numbers, bearer tokens and JWTs that slip
into free text are masked).
"""

from __future__ import annotations

import logging
import re
import sys

import structlog

SENSITIVE_KEYS = re.compile(
    r"(token|authorization|password|secret|assertion|dpop|cookie|name|iban|account|"
    r"identification|sort_?code|pan|code_verifier|^code$|key)",
    re.IGNORECASE,
)
SAFE_KEYS = {"event", "level", "timestamp", "logger", "interaction_id", "endpoint", "method",
             "status", "duration_ms", "path", "client_id", "bank_id", "error_type", "consent_id",
             "request_id", "exc_info", "exception", "slug"}

VALUE_PATTERNS = [
    (re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b"), "[IBAN]"),
    (re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]*"), "[JWT]"),
    (re.compile(r"(?i)\b(bearer|dpop)\s+[\w.~+/-]+=*"), r"\1 [TOKEN]"),
    (re.compile(r"\b\d{2}-?\d{2}-?\d{2}\s?\d{8}\b"), "[ACCOUNT]"),
    (re.compile(r"\b\d{8}\b"), "[ACCOUNT]"),
]


def mask_text(text: str) -> str:
    for pattern, replacement in VALUE_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


# A value that is wholly a UUID (with at most a short type prefix, as `aac-…` consent ids) can
# hide no identifier, and masking an all-digit first group as an account number broke the ids
# that TPPs quote to support (interaction ids, consent ids, request ids).
WHOLE_UUID = re.compile(
    r"(?:[a-z]{1,8}-)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    re.IGNORECASE)


def redact(_logger, _method, event_dict: dict) -> dict:
    for key, value in list(event_dict.items()):
        if key not in SAFE_KEYS and SENSITIVE_KEYS.search(key):
            event_dict[key] = "[REDACTED]"
        elif isinstance(value, str) and not WHOLE_UUID.fullmatch(value):
            event_dict[key] = mask_text(value)
    return event_dict


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever sys.stdout is now (gunicorn, the test runner's capture, a pipe)."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


_configured = False


def configure_logging(level: str = "INFO") -> None:
    """Route stdlib and structlog through one JSON renderer on stdout."""
    global _configured
    lvl = getattr(logging, level.upper(), logging.INFO)
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact,
    ]
    if not _configured:
        structlog.configure(
            # filter_by_level first: below the configured level a call costs a level check,
            # not the whole chain (contextvars, timestamp, redaction) thrown away at the end.
            processors=[structlog.stdlib.filter_by_level, *shared,
                        structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
            logger_factory=structlog.stdlib.LoggerFactory(),
            wrapper_class=structlog.stdlib.BoundLogger,
            cache_logger_on_first_use=True,
        )
        handler = StdoutHandler()
        handler.setFormatter(
            structlog.stdlib.ProcessorFormatter(
                processors=[
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.JSONRenderer(),
                ],
                foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
            )
        )
        root = logging.getLogger()
        root.handlers = [handler]
        # werkzeug's access log carries raw query strings; ours is the request log line.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        _configured = True
    logging.getLogger().setLevel(lvl)


def get_logger(name: str | None = None):
    return structlog.get_logger(name)
