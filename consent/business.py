"""Business customers: one business PSU (an SME), several people acting for it, each with a role.

A role is a set of actions (a small table, no Flask, no database):
- `administrator`: grants consents for the business, revokes them, sees the dashboard and the
  access log;
- `viewer` (the bookkeeper, the accountant): sees the dashboard and the access log only.
An optional limit per member narrows what an administrator may grant: `max_consent_days`, the
longest ExpirationDateTime they may accept (none: the consent's own). PSD2 leaves who may bind a
business to its mandate; this is that mandate, kept here.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum, auto

from core.errors import Forbidden


class Role(StrEnum):
    ADMINISTRATOR = auto()
    VIEWER = auto()


class Action(StrEnum):
    GRANT = auto()
    REVOKE = auto()
    VIEW = auto()


ALLOWED: dict[Role, frozenset[Action]] = {
    Role.ADMINISTRATOR: frozenset({Action.GRANT, Action.REVOKE, Action.VIEW}),
    Role.VIEWER: frozenset({Action.VIEW}),
}


class NotPermitted(Forbidden):
    """The signed-in user's role in the business does not allow this action."""

    def __init__(self, role: str, action: str, why: str = "") -> None:
        super().__init__(why or f"A {role} cannot {action} consents for this business.")
        self.role, self.action = role, action


def require(role: str, action: Action) -> None:
    if action not in ALLOWED.get(Role(role), frozenset()):
        raise NotPermitted(role, action.value)


def check_limit(role: str, max_consent_days: int | None, expires_at: dt.datetime | None,
                now: dt.datetime) -> None:
    """An administrator limited to N days may grant only a consent that ends within N days."""
    if max_consent_days is None:
        return
    if expires_at is None or expires_at > now + dt.timedelta(days=max_consent_days):
        raise NotPermitted(role, "grant", f"You may grant access for at most "
                           f"{max_consent_days} days for this business; this app asks for "
                           "longer.")
