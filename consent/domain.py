"""The consent lifecycle: statuses, the transitions the standard allows, status reasons and the
clocks (expiry, the 180-day re-authentication rule). Pure: no Flask, no SQLAlchemy, no I/O.

OB v4.0 uses the ISO codes AWAU, AUTH, RJCT, EXPD and CANC. A consent is created AWAU; the PSU
authorises (AUTH) or rejects (RJCT) it; an authorised or pending consent ends CANC (revoked by
the PSU or deleted by the TPP) or EXPD (past ExpirationDateTime). RJCT, EXPD and CANC are final:
a new consent is needed after them.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from consent.errors import InvalidTransition, OBError

REAUTHENTICATE_AFTER = dt.timedelta(days=180)  # RTS Art. 10a (Delegated Reg. (EU) 2022/2360)


class ConsentStatus(StrEnum):
    AWAU = "AWAU"  # awaiting authorisation
    AUTH = "AUTH"  # authorised
    RJCT = "RJCT"  # rejected
    EXPD = "EXPD"  # expired
    CANC = "CANC"  # cancelled (revoked)


ALLOWED: dict[ConsentStatus, frozenset[ConsentStatus]] = {
    ConsentStatus.AWAU: frozenset(
        {ConsentStatus.AUTH, ConsentStatus.RJCT, ConsentStatus.EXPD, ConsentStatus.CANC}
    ),
    ConsentStatus.AUTH: frozenset({ConsentStatus.CANC, ConsentStatus.EXPD}),
    ConsentStatus.RJCT: frozenset(),
    ConsentStatus.EXPD: frozenset(),
    ConsentStatus.CANC: frozenset(),
}
FINAL = frozenset(s for s, targets in ALLOWED.items() if not targets)


def can_transition(current: ConsentStatus | str, target: ConsentStatus | str) -> bool:
    return ConsentStatus(target) in ALLOWED[ConsentStatus(current)]


def transition(current: ConsentStatus | str, target: ConsentStatus | str) -> ConsentStatus:
    """Return the new status, or raise InvalidTransition: callers never write a refused one."""
    current, target = ConsentStatus(current), ConsentStatus(target)
    if target not in ALLOWED[current]:
        raise InvalidTransition(current.value, target.value)
    return target


# A consent's `StatusReason` carries the same code set and words as an `Errors[]` entry.
StatusReason = OBError


# U036 "Authorisation not completed", U033 "Authorisation failed", U042 "OtherReason",
# U028 "Reauthenticate": values of the OB internal code set.
AWAITING = StatusReason("U036", "Waiting for the PSU to authorise the consent")
AUTHORISED = StatusReason("U042", "Authorised by the PSU")
REJECTED_BY_PSU = StatusReason("U033", "The PSU rejected the consent")
REJECTED_NO_BANK = StatusReason("U033", "No bank authorised access")
REVOKED_BY_PSU = StatusReason("U042", "Revoked by the PSU")
DELETED_BY_TPP = StatusReason("U042", "Deleted by the TPP")
EXPIRED = StatusReason("U042", "ExpirationDateTime has passed", "Data.ExpirationDateTime")


def reauthentication_reason(bank_id: str) -> StatusReason:
    return StatusReason("U028", f"PSU must re-authenticate at bank {bank_id}")


def is_expired(expiration: dt.datetime | None, now: dt.datetime) -> bool:
    """Open-ended consents (no ExpirationDateTime) never expire by time."""
    return expiration is not None and now >= expiration


def needs_reauthentication(authorised_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Bank-side access older than 180 days needs SCA again (RTS Art. 10a)."""
    return authorised_at is not None and now - authorised_at >= REAUTHENTICATE_AFTER


def reauthenticate_by(authorised_at: dt.datetime) -> dt.datetime:
    return authorised_at + REAUTHENTICATE_AFTER
