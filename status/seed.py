"""Demo data for the embedded default: a scheduled maintenance and a little history, only
when there are no notices yet."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from status import service
from status.models import Notice

DEMO_ACTOR = "demo seeder"


def seed(app, session) -> list[str]:
    rt = app.extensions["status"]
    if session.scalar(select(func.count()).select_from(Notice)):
        return ["notices exist; nothing seeded"]
    now = rt.now().replace(second=0, microsecond=0)
    banks = list(rt.known_banks() or {})
    bank = banks[0] if banks else None
    target = {"banks": (bank,)} if bank else {"components": ("accounts",)}
    day = dt.timedelta(days=1)
    start = (now + 3 * day).replace(hour=1, minute=0)
    planned = service.create_notice(rt, session, service.NoticeInput(
        "planned", "Scheduled maintenance of the bank connection", "critical", body=(
            "The bank upgrades its Open Banking interface. Balances from this bank are served "
            "from cache during the window; no action is needed."),
        starts_at=start, ends_at=start + dt.timedelta(hours=2), **target), actor=DEMO_ACTOR)
    past = service.create_notice(rt, session, service.NoticeInput(
        "unplanned", "Slow token endpoint", "minor", components=("auth",),
        body="Token requests took up to 3 s.", starts_at=now - 12 * day), actor=DEMO_ACTOR,
        now=now - 12 * day)
    service.add_update(rt, session, past.id, "Cause found: a saturated database pool.",
                       actor=DEMO_ACTOR)
    service.change_status(rt, session, past.id, "completed", actor=DEMO_ACTOR,
                          at=now - 12 * day + dt.timedelta(minutes=50))
    done = service.create_notice(rt, session, service.NoticeInput(
        "planned", "Database upgrade", "critical", components=("accounts", "payee-checks"),
        body="Planned upgrade of our database.", starts_at=now - 30 * day,
        ends_at=now - 30 * day + dt.timedelta(minutes=30)), actor=DEMO_ACTOR,
        source="operator", now=now - 31 * day)
    service.change_status(rt, session, done.id, "in_progress", actor=DEMO_ACTOR,
                          at=now - 30 * day)
    service.change_status(rt, session, done.id, "completed", actor=DEMO_ACTOR,
                          at=now - 30 * day + dt.timedelta(minutes=20))
    return [f"scheduled maintenance {planned.id} from {start:%Y-%m-%d %H:%M} UTC",
            "two past notices for the history; see /status"]
