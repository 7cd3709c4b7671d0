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

import base64
import csv
import datetime as dt
import io
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.models import IssuedToken, PsuAccount, RegistrationToken, TppClient
from auth.scopes import allowed_scopes, format_scope
from consent.models import Business, BusinessUser
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


def cert_expiry(jwks: Mapping[str, Any] | None) -> dt.datetime | None:
    """The earliest notAfter of the certificates (`x5c`) in a registered JWK Set."""
    earliest = None
    for key in (jwks or {}).get("keys", []):
        for der in key.get("x5c", [])[:1] if isinstance(key, dict) else []:
            try:
                cert = x509.load_der_x509_certificate(base64.b64decode(der))
            except ValueError:
                continue
            expiry = cert.not_valid_after_utc
            earliest = expiry if earliest is None or expiry < earliest else earliest
    return earliest


def current_rows(session: Session, now: dt.datetime, dormant_days: int) -> list[dict[str, Any]]:
    last_use = dict(session.execute(select(IssuedToken.client_id, func.max(
        IssuedToken.issued_at)).group_by(IssuedToken.client_id)).all())
    cutoff = now - dt.timedelta(days=dormant_days)
    rows = []
    for client in session.scalars(select(TppClient).order_by(TppClient.client_id)):
        used = last_use.get(client.client_id)
        if used is not None and used.tzinfo is None:
            used = used.replace(tzinfo=dt.UTC)
        roles = sorted(client.roles or [])
        rows.append({
            "kind": "operator" if OPERATOR_ROLES & set(roles) else "tpp_client",
            "id": client.client_id, "name": client.name, "roles": " ".join(roles),
            "scopes": format_scope(allowed_scopes(roles)), "created_at": _iso(client.created_at),
            "last_used": _iso(used), "cert_expiry": _iso(cert_expiry(client.jwks)),
            "dormant": (used or client.created_at) < cutoff})
    for token in session.scalars(select(RegistrationToken).where(
            RegistrationToken.used_at.is_(None), RegistrationToken.expires_at > now)
            .order_by(RegistrationToken.id)):
        roles = sorted(token.roles or [])
        rows.append({"kind": "registration_token", "id": f"registration-token-{token.id}",
                     "name": "", "roles": " ".join(roles),
                     "scopes": format_scope(allowed_scopes(roles)),
                     "created_at": _iso(token.created_at), "last_used": None,
                     "cert_expiry": None, "dormant": token.created_at < cutoff})
    return rows + business_rows(session, cutoff)


def business_rows(session: Session, cutoff: dt.datetime) -> list[dict[str, Any]]:
    """Every person acting for a business, with their role and limit."""
    found = session.execute(
        select(BusinessUser, Business.name, PsuAccount.username)
        .join(Business, Business.id == BusinessUser.business_id)
        .join(PsuAccount, PsuAccount.id == BusinessUser.psu_id)
        .order_by(Business.id, PsuAccount.username)).all()
    return [{"kind": "business_user", "id": f"{m.business_id}/{username}", "name": name,
             "roles": m.role + (f" max {m.max_consent_days}d" if m.max_consent_days else ""),
             "scopes": "", "created_at": _iso(m.created_at), "last_used": _iso(m.last_active_at),
             "cert_expiry": None, "dormant": (m.last_active_at or m.created_at) < cutoff}
            for m, name, username in found]


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
