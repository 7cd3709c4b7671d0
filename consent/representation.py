"""Shapes of the OB v4.0 answers (OBReadConsentResponse1 and the events list). Pure: the
service stores these for idempotent replay, so they are built from plain values."""

from __future__ import annotations

import datetime as dt
from typing import Any

from consent.models import Consent, ConsentEvent


def iso(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with an explicit offset, as the OB examples write it."""
    return None if value is None else value.astimezone(dt.UTC).isoformat(timespec="seconds")


def status_reasons(consent: Consent) -> list[dict[str, str]]:
    if not consent.status_reason_code:
        return []
    reason = {"StatusReasonCode": consent.status_reason_code}
    if consent.status_reason_description:
        reason["StatusReasonDescription"] = consent.status_reason_description
    if consent.status_reason_path:
        reason["Path"] = consent.status_reason_path
    return [reason]


def consent_document(consent: Consent, self_url: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "ConsentId": consent.id,
        "Status": consent.status,
        "StatusReason": status_reasons(consent),
        "CreationDateTime": iso(consent.created_at),
        "StatusUpdateDateTime": iso(consent.status_updated_at),
        "Permissions": list(consent.permissions),
    }
    for key, value in (("ExpirationDateTime", consent.expiration_at),
                       ("TransactionFromDateTime", consent.transaction_from),
                       ("TransactionToDateTime", consent.transaction_to)):
        if value is not None:
            data[key] = iso(value)
    return {"Data": data, "Risk": {}, "Links": {"Self": self_url}, "Meta": {"TotalPages": 1}}


def public_actor(actor: str) -> str:
    """TPPs see their own client id; a PSU or job is shown by kind only (no internal ids)."""
    kind, _, _ = actor.partition(":")
    return actor if kind == "tpp" else kind


def events_document(consent_id: str, events: list[ConsentEvent], self_url: str
                    ) -> dict[str, Any]:
    return {
        "Data": {
            "ConsentId": consent_id,
            "Event": [
                {
                    "Sequence": e.seq,
                    "DateTime": iso(e.occurred_at),
                    "Actor": public_actor(e.actor),
                    "Action": e.action,
                    "Details": e.details_dict(),
                    "InteractionId": e.interaction_id,
                    "PreviousHash": e.prev_hash,
                    "Hash": e.hash,
                }
                for e in events
            ],
        },
        "Links": {"Self": self_url},
        "Meta": {"TotalPages": 1},
    }
