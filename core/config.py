"""Settings, read when the app is created: defaults, then the environment, then overrides.

Nothing here runs at import time, so tests can build as many differently configured apps as
they like in one process.
"""

from __future__ import annotations

import base64
import binascii
import importlib
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class SettingError(ValueError):
    """A setting is malformed. The message names the variable and the form it expects, and
    never repeats a secret's value, so it can be printed as the one line an operator sees."""

    def __init__(self, name: str, expected: str, problem: str = "is malformed") -> None:
        super().__init__(f"{name} {problem}: expected {expected}")
        self.name = name


# Settings whose values are never echoed back in an error.
SECRET_SETTINGS = frozenset({"DATABASE_URL", "REDIS_URL", "TOKEN_ENCRYPTION_KEYS",
                             "AUDIT_HASH_KEY"})


def boolean(value: str) -> bool:
    value = value.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("true or false (also 1/0, yes/no, on/off)")


def number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError("a number, e.g. 2.0") from None


def whole_number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError("a whole number") from None


def at_least(minimum: float, parser=whole_number):
    """`parser` (whole_number or number) refusing values below `minimum`: a worker count of
    0 or a negative cache time would otherwise surface later as a traceback, not as the one
    line naming the setting."""
    kind = "a whole number" if parser is whole_number else "a number"

    def parse(value: str):
        parsed = parser(value) if isinstance(value, str) else value
        if parsed < minimum:
            raise ValueError(f"{kind}, {minimum:g} or more")
        return parsed
    return parse


def port(value: str) -> int:
    number_ = whole_number(value) if isinstance(value, str) else int(value)
    if not 0 < number_ < 65536:
        raise ValueError("a TCP port between 1 and 65535")
    return number_


def url(*schemes: str):
    def parse(value: str) -> str:
        parts = urlsplit(value.strip())
        if parts.scheme not in schemes or not parts.netloc:
            raise ValueError(f"a URL starting with {' or '.join(s + '://' for s in schemes)}")
        return value.strip()
    return parse


def one_of(*allowed: str, fold=str.strip):
    """A parser accepting one of `allowed` (after `fold`, e.g. str.upper)."""
    def parse(value: str) -> str:
        value = fold(value)
        if value not in allowed:
            raise ValueError(f"one of {', '.join(allowed)}")
        return value
    return parse


def _directory(value: str) -> str:
    """A directory, made absolute against the working directory the server starts in."""
    if not value.strip() or "\0" in value:
        raise ValueError("a directory path, e.g. /var/lib/obhub")
    return str(Path(value.strip()).expanduser().absolute())


def _database_url(value: str) -> str:
    value = value.strip()
    if not (value.startswith("sqlite:///") or value.startswith("postgresql")) or "://" not in value:
        raise ValueError("sqlite:///path/to/file.sqlite3 or "
                         "postgresql+psycopg://user@host:5432/database")
    return value


def _redis_url(value: str) -> str:
    value = value.strip()
    if value and urlsplit(value).scheme not in ("redis", "rediss", "unix"):
        raise ValueError("redis://host:6379/0 (or rediss://, unix://), or empty for in-process")
    return value


def _issuer(value: str) -> str:
    value = url("http", "https")(value).rstrip("/")
    parts = urlsplit(value)
    if parts.query or parts.fragment:
        raise ValueError("an http(s) URL without query or fragment, e.g. https://api.example.com")
    return value


def _bind(value: str) -> str:
    host, sep, port_ = value.strip().rpartition(":")
    if value.startswith("unix:"):
        return value.strip()
    if not sep or not host:
        raise ValueError("host:port, e.g. 127.0.0.1:8000 or 0.0.0.0:8000")
    port(port_)
    return value.strip()


def _token_keys(value: str) -> str:
    """The form `kid:base64key[,kid:base64key]`, each key 16, 24 or 32 bytes (AES-GCM)."""
    form = "kid:base64key[,kid:base64key] with 16-, 24- or 32-byte keys"
    seen = set()
    for item in (part.strip() for part in value.split(",")):
        kid, sep, b64 = item.partition(":")
        if not item or not sep or not kid or kid in seen:
            raise ValueError(form)
        seen.add(kid)
        b64 = b64.strip()
        try:
            key = base64.urlsafe_b64decode(
                (b64 + "=" * (-len(b64) % 4)).replace("+", "-").replace("/", "_"))
        except (binascii.Error, ValueError):
            raise ValueError(form) from None
        if len(key) not in (16, 24, 32):
            raise ValueError(form)
    return value


def parse_setting(name: str, raw: str, parser, secret: bool = False) -> Any:
    """Parse one raw value; a parser's ValueError becomes a SettingError naming the variable.
    A parser that raises with a message gives the expected form; others get a generic one."""
    try:
        return parser(raw)
    except (ValueError, TypeError) as exc:
        text = str(exc)
        expected = text if text and " " in text and "invalid literal" not in text else {
            int: "a whole number", float: "a number"}.get(parser, "a valid value")
        shown = "" if secret or name in SECRET_SETTINGS else f" ({raw!r})"
        raise SettingError(name, expected, f"is malformed{shown}") from None


# name -> (default, parser, description). The README's configuration table mirrors this.
SETTINGS: dict[str, tuple[Any, Any, str]] = {
    "INSTANCE_DIR": (
        str(PROJECT_ROOT / "instance"),
        _directory,
        "Where the embedded database, generated keys and demo keys live (made at start)",
    ),
    "DATABASE_URL": (
        "",
        _database_url,
        "SQLAlchemy URL; PostgreSQL in production (postgresql+psycopg://…); unset: a SQLite "
        "file in INSTANCE_DIR",
    ),
    "REDIS_URL": (
        "",
        _redis_url,
        "Redis URL for cache, rate limits and replay caches; empty = in-process backend",
    ),
    "ISSUER": (
        "",
        _issuer,
        "Public base URL; the OAuth2 issuer identifier. Unset: http://<BIND>, where the "
        "server listens",
    ),
    "PORT": (8000, port, "Port the server listens on (make run, gunicorn.conf.py)"),
    "BIND": ("", _bind, "host:port gunicorn listens on; unset: 127.0.0.1:$PORT"),
    "LOG_LEVEL": ("INFO", one_of("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL",
                                   fold=lambda v: v.strip().upper()),
                  "Log level of the JSON logs on stdout"),
    "SIGNING_KEYS_DIR": (
        "",
        str,
        "Directory of the authorisation server's private signing keys (PEM, one per kid); "
        "unset: keys/ in INSTANCE_DIR",
    ),
    "TOKEN_ENCRYPTION_KEYS": (
        "",
        _token_keys,
        "Keys for bank tokens at rest: kid:base64key[,kid:base64key]; first one encrypts",
    ),
    "AUDIT_HASH_KEY": ("", str, "Key for keyed hashes of names and identifiers in audit logs"),
    "CLIENT_CERT_HEADER": (
        "X-SSL-Client-Cert",
        str,
        "Header where the TLS-terminating proxy forwards the client certificate (URL-encoded PEM)",
    ),
    "AGGREGATION_DEADLINE_SECONDS": (2.0, number, "Deadline for one fan-out across banks"),
    "SANDBOX_BANKS_ENABLED": (True, boolean, "Serve the sandbox banks under /sandbox/<bank>/"),
    "DEMO_DATA": (True, boolean, "Allow `flask demo load` to seed demo TPPs, PSUs and banks"),
    "RATELIMIT_ENABLED": (True, boolean, "Per-TPP rate limits"),
}


def load_settings(overrides: dict[str, Any] | None = None,
                  packages: Iterable[str] = ()) -> dict[str, Any]:
    """The whole settings table, parsed once: core's rows and the rows each package in
    `packages` contributes in its `settings` module (`SETTINGS`, the same form as core's, and
    optionally `SECRETS` and `derive(settings)` for values computed from others or checked
    together). Defaults, then environment variables, then explicit overrides (tests, already
    typed). A malformed value stops the start with a SettingError that names it."""
    table = dict(SETTINGS)
    secrets = set(SECRET_SETTINGS)
    modules = [importlib.import_module(f"{name}.settings") for name in packages]
    for module in modules:
        clash = table.keys() & module.SETTINGS.keys()
        if clash:
            raise RuntimeError(f"{module.__name__} redefines settings {sorted(clash)}")
        table.update(module.SETTINGS)
        secrets.update(getattr(module, "SECRETS", ()))
    overrides = overrides or {}
    settings: dict[str, Any] = {}
    for name, (default, parser, _) in table.items():
        raw = os.environ.get(name)
        if name in overrides:
            settings[name] = overrides[name]
        elif raw in (None, ""):
            settings[name] = default
        else:
            settings[name] = parse_setting(name, raw, parser, secret=name in secrets)
    settings.update(overrides)
    instance = Path(settings["INSTANCE_DIR"])
    settings["DATABASE_URL"] = settings["DATABASE_URL"] or f"sqlite:///{instance / 'obhub.sqlite3'}"
    settings["SIGNING_KEYS_DIR"] = settings["SIGNING_KEYS_DIR"] or str(instance / "keys")
    if not settings["BIND"]:
        settings["BIND"] = f"127.0.0.1:{settings['PORT']}"
    settings["ISSUER"] = str(settings["ISSUER"] or listen_url(settings["BIND"])).rstrip("/")
    for module in modules:
        derive = getattr(module, "derive", None)
        if derive is not None:
            derive(settings)
    return settings


def settings_table(packages: Iterable[str] = ()) -> dict[str, tuple[Any, Any, str]]:
    """Every row of the settings table (for the README's configuration table and its test)."""
    table = dict(SETTINGS)
    for name in packages:
        table.update(importlib.import_module(f"{name}.settings").SETTINGS)
    return table


def listen_url(bind: str) -> str:
    """The URL a client on this machine uses to reach a server bound to `bind`: an unset
    ISSUER follows where the server listens, so discovery and tokens name the port in use."""
    host, _, port_ = bind.rpartition(":")
    if bind.startswith("unix:") or host in ("", "0.0.0.0", "::", "[::]", "*"):
        host = "127.0.0.1"
    return f"http://{host}:{port_ or 8000}"


def server_url(explicit: str | None = None) -> str:
    """Where the command-line clients (examples/, `flask sandbox …`) find the server: the
    `--server` they were given, else the ISSUER this environment's settings give."""
    return (explicit or load_settings()["ISSUER"]).rstrip("/")



def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")
