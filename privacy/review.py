"""Access reviews: one report an auditor can sign, of everything that can reach data here.

Rows: every TPP client (operators' clients — those with the STATUS_ADMIN or ASPSP role — are
marked `operator`) with its roles, the scopes those roles allow, its last use (the last token
issued to it), the earliest expiry of a certificate in its registered keys; every unused
registration token (a credential an operator handed out); every person acting for a business
customer, with their role and limit. Each review is stored, so the next lists what changed (added,
removed, roles or scopes changed) since then; access unused for ACCESS_REVIEW_DORMANT_DAYS is
flagged dormant.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth import service as auth_service
from consent import business_service
from core.db import unit_of_work, utcnow
from privacy.models import AccessReview

OPERATOR_ROLES = {"STATUS_ADMIN", "ASPSP"}
COLUMNS = ("kind", "id", "name", "roles", "scopes", "created_at", "last_used", "cert_expiry",
           "dormant", "change")


@dataclass
class Report:
    review_id: str | None
    created_at: str
    previous_review: str | None
    rows: list[dict[str, Any]]
    removed: list[dict[str, Any]]


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat(timespec="seconds") if value else None


def current_rows(session: Session, now: dt.datetime, dormant_days: int) -> list[dict[str, Any]]:
    cutoff = now - dt.timedelta(days=dormant_days)
    rows = [{"kind": "operator" if OPERATOR_ROLES & set(c.roles) else "tpp_client",
             "id": c.client_id, "name": c.name, "roles": " ".join(c.roles), "scopes": c.scopes,
             "created_at": _iso(c.created_at), "last_used": _iso(c.last_used),
             "cert_expiry": _iso(c.cert_expiry), "dormant": (c.last_used or c.created_at) < cutoff}
            for c in auth_service.client_access(session)]
    rows += [{"kind": "registration_token", "id": f"registration-token-{t.token_id}",
              "name": "", "roles": " ".join(t.roles), "scopes": t.scopes,
              "created_at": _iso(t.created_at), "last_used": None, "cert_expiry": None,
              "dormant": t.created_at < cutoff}
             for t in auth_service.open_registrations(session, now)]
    return rows + business_rows(session, cutoff)


def business_rows(session: Session, cutoff: dt.datetime) -> list[dict[str, Any]]:
    """Every person acting for a business, with their role and limit, by business and
    username (people without a PSU account any more are not listed)."""
    members = business_service.all_members(session)
    usernames = auth_service.psu_usernames(session, (m.psu_id for m in members))
    found = sorted(((m, usernames[m.psu_id]) for m in members if m.psu_id in usernames),
                   key=lambda pair: (pair[0].membership.business_id, pair[1]))
    rows = []
    for member, username in found:
        held = member.membership
        rows.append({
            "kind": "business_user", "id": f"{held.business_id}/{username}",
            "name": held.name,
            "roles": held.role + (f" max {held.max_consent_days}d"
                                  if held.max_consent_days else ""),
            "scopes": "", "created_at": _iso(member.created_at),
            "last_used": _iso(member.last_active_at), "cert_expiry": None,
            "dormant": (member.last_active_at or member.created_at) < cutoff})
    return rows


def _changes(rows: list[dict[str, Any]], previous: list[dict[str, Any]] | None
             ) -> list[dict[str, Any]]:
    """Mark each row added / changed / unchanged against the previous review; return the
    rows that are gone."""
    if previous is None:
        for row in rows:
            row["change"] = "first review"
        return []
    before = {(r["kind"], r["id"]): r for r in previous}
    for row in rows:
        old = before.pop((row["kind"], row["id"]), None)
        if old is None:
            row["change"] = "added"
        elif (old["roles"], old["scopes"]) != (row["roles"], row["scopes"]):
            row["change"] = f"roles changed (was {old['roles'] or '-'})"
        else:
            row["change"] = ""
    return [{**r, "change": "removed"} for r in before.values()]


def run(session: Session, config: Mapping[str, Any], *, reviewer: str, store: bool = True,
        now: dt.datetime | None = None) -> Report:
    now = now or utcnow()
    with unit_of_work(session):
        rows = current_rows(session, now, config["ACCESS_REVIEW_DORMANT_DAYS"])
        last = session.scalars(select(AccessReview).order_by(
            AccessReview.created_at.desc()).limit(1)).one_or_none()
        stored = [{k: v for k, v in r.items() if k != "change"} for r in rows]
        removed = _changes(rows, last.rows if last else None)
        review_id = None
        if store:
            review_id = str(uuid.uuid4())
            session.add(AccessReview(id=review_id, created_at=now, reviewer=reviewer,
                                     rows=stored))
    return Report(review_id, _iso(now), _iso(last.created_at) if last else None, rows, removed)


def render(report: Report, fmt: str) -> str:
    everything = report.rows + report.removed
    if fmt == "json":
        return json.dumps({"review_id": report.review_id, "created_at": report.created_at,
                           "previous_review": report.previous_review, "rows": everything},
                          indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if r.get(k) is None else r.get(k)) for k in COLUMNS}
                         for r in everything)
        return out.getvalue()
    lines = [f"Access review {report.review_id or '(not stored)'} at {report.created_at}; "
             f"previous: {report.previous_review or 'none'}"]
    for r in everything:
        flags = " DORMANT" if r.get("dormant") else ""
        change = f" [{r['change']}]" if r.get("change") else ""
        lines.append(f"{r['kind']:<18} {r['id']:<40} roles={r['roles'] or '-'} "
                     f"last_used={r['last_used'] or 'never'} "
                     f"cert_expiry={r['cert_expiry'] or '-'}{flags}{change}")
    return "\n".join(lines) + "\n"
