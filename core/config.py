"""Settings, read when the app is created: defaults, then the environment, then overrides.

Nothing here runs at import time, so tests can build as many differently configured apps as
they like in one process.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_DIR", PROJECT_ROOT / "instance"))


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _float(value: str) -> float:
    return float(value)


# name -> (default, parser, description). The README's configuration table mirrors this.
SETTINGS: dict[str, tuple[Any, Any, str]] = {
    "DATABASE_URL": (
        f"sqlite:///{INSTANCE_DIR / 'obhub.sqlite3'}",
        str,
        "SQLAlchemy URL; PostgreSQL in production (postgresql+psycopg://…)",
    ),
    "REDIS_URL": (
        "",
        str,
        "Redis URL for cache, rate limits and replay caches; empty = in-process backend",
    ),
    "ISSUER": ("http://127.0.0.1:8000", str, "Public base URL; the OAuth2 issuer identifier"),
    "LOG_LEVEL": ("INFO", str, "Log level of the JSON logs on stdout"),
    "SIGNING_KEYS_DIR": (
        str(INSTANCE_DIR / "keys"),
        str,
        "Directory of the authorisation server's private signing keys (PEM, one per kid)",
    ),
    "TOKEN_ENCRYPTION_KEYS": (
        "",
        str,
        "Keys for bank tokens at rest: kid:base64key[,kid:base64key]; first one encrypts",
    ),
    "AUDIT_HASH_KEY": ("", str, "Key for keyed hashes of names and identifiers in audit logs"),
    "CLIENT_CERT_HEADER": (
        "X-SSL-Client-Cert",
        str,
        "Header where the TLS-terminating proxy forwards the client certificate (URL-encoded PEM)",
    ),
    "AGGREGATION_DEADLINE_SECONDS": (2.0, _float, "Deadline for one fan-out across banks"),
    "SANDBOX_BANKS_ENABLED": (True, _bool, "Serve the sandbox banks under /sandbox/<bank>/"),
    "DEMO_DATA": (True, _bool, "Allow `flask demo load` to seed demo TPPs, PSUs and banks"),
    "RATELIMIT_ENABLED": (True, _bool, "Per-TPP rate limits"),
}


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then environment variables, then explicit overrides (tests)."""
    settings: dict[str, Any] = {}
    for name, (default, parser, _) in SETTINGS.items():
        raw = os.environ.get(name)
        settings[name] = parser(raw) if raw not in (None, "") else default
    settings.update(overrides or {})
    settings["ISSUER"] = str(settings["ISSUER"]).rstrip("/")
    return settings


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")
