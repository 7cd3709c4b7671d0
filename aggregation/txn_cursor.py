"""Opaque, tamper-proof page cursors for the transaction timeline. Pure.

A cursor is `base64url(JSON) "." base64url(HMAC-SHA256)`: it names the consent, the account
scope and the booking window it was made for, and a place in the timeline (booking time,
account, key) with the way to walk from it. The HMAC makes a changed cursor (another consent,
a wider window, a forged place) detectable; a cursor is not secret, only unforgeable.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from enum import StrEnum


class InvalidCursor(ValueError):
    """The cursor was not made by us for this request."""


class Walk(StrEnum):
    AFTER = "after"  # older than the place: the next page
    BEFORE = "before"  # newer than the place: the previous page
    OLDEST = "oldest"  # the last page


@dataclass(frozen=True)
class Cursor:
    consent_id: str
    scope: str  # our AccountId, or "*" for every account of the consent
    booked_from: dt.datetime | None
    booked_to: dt.datetime | None
    walk: Walk
    place: tuple[dt.datetime, str, str] | None = None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _moment(text: str | None) -> dt.datetime | None:
    if text is None:
        return None
    moment = dt.datetime.fromisoformat(text)
    if moment.utcoffset() is None:
        raise ValueError("naive time")
    return moment


def _mac(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, b"txn-cursor\x1f" + body.encode(), hashlib.sha256).digest()[:16])


def encode(key: bytes, cursor: Cursor) -> str:
    place = cursor.place
    data = {"c": cursor.consent_id, "s": cursor.scope, "f": _iso(cursor.booked_from),
            "t": _iso(cursor.booked_to), "w": cursor.walk.value,
            "p": [place[0].isoformat(), place[1], place[2]] if place else None}
    body = _b64(json.dumps(data, separators=(",", ":")).encode())
    return f"{body}.{_mac(key, body)}"


def decode(key: bytes, token: str) -> Cursor:
    body, dot, mac = token.partition(".")
    try:
        authentic = bool(dot) and hmac.compare_digest(_mac(key, body).encode(), mac.encode())
    except UnicodeError:
        authentic = False
    if not authentic:
        raise InvalidCursor("page cursor is not authentic")
    try:
        data = json.loads(_unb64(body))
        place = data["p"]
        return Cursor(data["c"], data["s"], _moment(data["f"]), _moment(data["t"]),
                      Walk(data["w"]),
                      (_moment(place[0]), str(place[1]), str(place[2])) if place else None)
    except (ValueError, KeyError, TypeError, IndexError, binascii.Error) as exc:
        raise InvalidCursor("page cursor is malformed") from exc
