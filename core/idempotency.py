"""`x-idempotency-key` on POST: the same key and body get the same answer; another body, a 409.

A service calls `lookup` before doing the work and `remember` inside the transaction that does
it, so the record and the change commit together. Two racing requests with one key collide on
the unique constraint; the loser's transaction rolls back and its caller replays the winner's
answer (see `IdempotentReplay`).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import Problem
from core.models import IdempotencyRecord

KEY_PATTERN = re.compile(r"^(?!\s)(.*)(\S)$")
MAX_KEY_LENGTH = 40  # OB: x-idempotency-key is Max40Text


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any


def fingerprint(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def validate_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not KEY_PATTERN.match(key):
        raise Problem(
            f"x-idempotency-key must be 1 to {MAX_KEY_LENGTH} characters without leading or "
            "trailing spaces.",
            slug="bad-request",
        )
    return key


def lookup(session: Session, client_id: str, key: str, endpoint: str, request_hash: str
           ) -> StoredResponse | None:
    record = session.scalars(
        select(IdempotencyRecord).where(
            IdempotencyRecord.client_id == client_id,
            IdempotencyRecord.idempotency_key == key,
            IdempotencyRecord.endpoint == endpoint,
        )
    ).one_or_none()
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise Problem(
            "This x-idempotency-key was used with a different request body.",
            slug="idempotency-key-reused",
        )
    return StoredResponse(record.status_code, json.loads(record.response_body))


def remember(session: Session, client_id: str, key: str, endpoint: str, request_hash: str,
             status: int, body: Any) -> None:
    session.add(
        IdempotencyRecord(
            client_id=client_id,
            idempotency_key=key,
            endpoint=endpoint,
            request_hash=request_hash,
            status_code=status,
            response_body=json.dumps(body, default=str),
        )
    )
