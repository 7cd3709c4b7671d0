"""Documents built from notices: the JSON every reader gets (API, webhooks, feed, page).
Times stay datetimes here; the schemas and templates write them as UTC ISO 8601 with `Z`."""

from __future__ import annotations

from typing import Any

from status.domain import iso
from status.models import Notice


def notice_document(notice: Notice, base_url: str = "") -> dict[str, Any]:
    return {
        "id": notice.id,
        "kind": notice.kind,
        "status": notice.status,
        "severity": notice.severity,
        "source": notice.source,
        "title": notice.title,
        "body": notice.body,
        "components": notice.components,
        "banks": notice.banks,
        "starts_at": notice.starts_at,
        "ends_at": notice.ends_at,
        "started_at": notice.started_at,
        "completed_at": notice.completed_at,
        "cancelled_at": notice.cancelled_at,
        "created_at": notice.created_at,
        "updated_at": notice.updated_at,
        "updates": [{"at": u.at, "status": u.status, "body": u.body} for u in notice.updates],
        "links": {"self": f"{base_url}/status/v1/notices/{notice.id}",
                  "html": f"{base_url}/status#{notice.id}"},
    }


def webhook_notice(notice: Notice, base_url: str) -> dict[str, Any]:
    """The notice inside a webhook payload, JSON-ready."""
    doc = notice_document(notice, base_url)
    for key in ("starts_at", "ends_at", "started_at", "completed_at", "cancelled_at",
                "created_at", "updated_at"):
        doc[key] = iso(doc[key])
    doc["updates"] = [{**u, "at": iso(u["at"])} for u in doc["updates"]]
    return {"notice": doc}
