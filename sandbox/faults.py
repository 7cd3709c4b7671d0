"""Fault switches of one sandbox bank, set from configuration or `POST …/admin/faults`.

| switch | effect |
|---|---|
| `latency_ms` | every answer waits this long first |
| `error_rate` | this fraction (0–1) of calls answer 500 |
| `timeout` | calls hang `hang_seconds` (default 30), longer than any client timeout |
| `status_5xx` | every call answers this status (500, 502, 503, 504) |
| `rate_limit` | every call answers 429 with `Retry-After: retry_after` |
| `malformed_json` / `truncated_json` | JSON bodies are broken / cut in half |
| `wrong_content_type` | JSON answers come back as an HTML page |
| `expired_tokens` | every access token is refused as expired |
| `consent_revoked` | every authorised consent is revoked at the bank on its next use |
| `answer_fault` | a strict UK bank's authorisation answer is wrong one way (`ANSWER_FAULTS`) |
| `from_page` | above 0: the switches on answers hit transaction listings only, from this page |

`from_page` (1 is the first page) makes a history break mid-pagination; it governs the switches
from `latency_ms` to `wrong_content_type`, not the token and consent ones.

Admin calls and the PSU sign-in page are never faulted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from sandbox.fapi import ANSWER_FAULTS


class FaultError(ValueError):
    pass


@dataclass
class Faults:
    latency_ms: int = 0
    error_rate: float = 0.0
    timeout: bool = False
    hang_seconds: float = 30.0
    status_5xx: int | None = None
    rate_limit: bool = False
    retry_after: int = 30
    malformed_json: bool = False
    truncated_json: bool = False
    wrong_content_type: bool = False
    expired_tokens: bool = False
    consent_revoked: bool = False
    answer_fault: str | None = None
    from_page: int = 0

    def update(self, changes: dict[str, Any]) -> None:
        if not isinstance(changes, dict):
            raise FaultError("faults are a JSON object")
        known = {f.name: f for f in fields(self)}
        for name, value in changes.items():
            if name not in known:
                raise FaultError(f"unknown fault switch {name!r}")
            setattr(self, name, _check(name, value))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def garbles(self) -> bool:
        return self.malformed_json or self.truncated_json or self.wrong_content_type


def _check(name: str, value: Any) -> Any:
    if name == "from_page":
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1_000_000:
            raise FaultError("from_page is a page number, or 0 for every call")
    elif name in ("latency_ms", "retry_after"):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 600_000:
            raise FaultError(f"{name} is a whole number of 0 or more")
    elif name in ("error_rate",):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise FaultError("error_rate is between 0 and 1")
        value = float(value)
    elif name == "hang_seconds":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 600:
            raise FaultError("hang_seconds is between 0 and 600")
        value = float(value)
    elif name == "answer_fault":
        if value is not None and value not in ANSWER_FAULTS:
            raise FaultError(f"answer_fault is one of {', '.join(ANSWER_FAULTS)}, or null")
    elif name == "status_5xx":
        if value is not None and (isinstance(value, bool) or value not in (500, 502, 503, 504)):
            raise FaultError("status_5xx is one of 500, 502, 503, 504, or null")
    elif not isinstance(value, bool):
        raise FaultError(f"{name} is true or false")
    return value


def garble(body: bytes, faults: Faults) -> tuple[bytes, str | None]:
    """The broken body, and the content type to send instead (None: keep it)."""
    if faults.wrong_content_type:
        return b"<!doctype html><title>Service notice</title><p>We are improving our " \
               b"services.</p>", "text/html; charset=utf-8"
    if faults.malformed_json:
        return b"{\"Data\": {\"Balance\": [{\"Amount\": 12.3.4,,]}", None
    if faults.truncated_json:
        return body[: max(1, len(body) // 2)], None
    return body, None
