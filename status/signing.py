"""Webhook signatures, following the Standard Webhooks specification (standardwebhooks.com):

    webhook-id:        the event id (the same on every retry: dedupe on it)
    webhook-timestamp: Unix seconds when this attempt was signed
    webhook-signature: "v1,<base64 HMAC-SHA256 of '{id}.{timestamp}.{body}'>"

The key is the subscription's secret `whsec_<base64>`, shown once when the subscription is
created. A receiver recomputes the HMAC over the raw body, compares in constant time, and
refuses timestamps more than five minutes away from its clock (replays).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

PREFIX = "whsec_"
TOLERANCE_SECONDS = 300


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(PREFIX))


def sign(secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    message = f"{event_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, event_id: str, event_type: str, body: bytes,
            timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json",
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, event_id, timestamp, body),
        "X-Status-Event": event_type,
        "User-Agent": "openbanking-hub-status-webhooks/1",
    }


def verify(secret: str, headers: dict[str, str], body: bytes, now: float | None = None) -> bool:
    """What a receiver does; the tests' receiver uses it, the README shows the same code."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        event_id = lowered["webhook-id"]
        timestamp = int(lowered["webhook-timestamp"])
        sent = lowered["webhook-signature"].split()
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = sign(secret, event_id, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in sent)
