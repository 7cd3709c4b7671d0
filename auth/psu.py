"""PSU (bank customer) accounts for the authorisation page: scrypt passwords, lock-out.

scrypt (n=2**14, r=8, p=1, 16-byte per-user salt) is a memory-hard KDF in the standard library.
Five failed sign-ins lock the account for 15 minutes; while locked even the right password is
refused, and an unknown username costs the same KDF run so timing does not reveal accounts.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.models import PsuAccount
from core.db import unit_of_work, utcnow

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
DEMO_PSUS = (("alice", "Alice Smith"), ("bob", "Bob Jones"), ("carol", "Carol Evans"))


@dataclass(frozen=True)
class Psu:
    id: str
    username: str
    display_name: str


class SignInFailed(Exception):
    """Wrong username or password, or the account is locked; the message is shown as is."""


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P,
                            dklen=32)
    enc = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${enc(salt).decode()}${enc(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n),
                                r=int(r), p=int(p), dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


_DUMMY_HASH = hash_password("not a password")


def create_psu(session: Session, username: str, password: str, display_name: str | None = None
               ) -> Psu:
    account = PsuAccount(id=str(uuid.uuid4()), username=username,
                         display_name=display_name or username,
                         password_hash=hash_password(password), created_at=utcnow())
    session.add(account)
    return _view(account)


def _view(account: PsuAccount) -> Psu:
    return Psu(account.id, account.username, account.display_name)


def get_psu(session: Session, psu_id: str) -> Psu | None:
    account = session.get(PsuAccount, psu_id)
    return _view(account) if account else None


def sign_in(session: Session, username: str, password: str) -> Psu:
    """Check the password and count failures, in one unit of work (a failure is counted even
    though the sign-in is refused: the refusal is raised once the count is committed)."""
    with unit_of_work(session):
        account = session.scalars(
            select(PsuAccount).where(PsuAccount.username == (username or "")).with_for_update()
        ).one_or_none()
        if account is None:
            verify_password(password or "", _DUMMY_HASH)
            raise SignInFailed("Unknown username or wrong password.")
        now = utcnow()
        if account.locked_until and account.locked_until > now:
            raise SignInFailed("Too many failed attempts: this account is locked for a while.")
        if not verify_password(password or "", account.password_hash):
            account.failed_attempts += 1
            if account.failed_attempts >= MAX_FAILED_ATTEMPTS:
                account.locked_until = now + LOCKOUT
                account.failed_attempts = 0
            raise_after = SignInFailed("Unknown username or wrong password.")
        else:
            account.failed_attempts = 0
            account.locked_until = None
            return _view(account)
    raise raise_after


def seed_demo_psus(session: Session, password: str) -> list[str]:
    created = []
    for username, name in DEMO_PSUS:
        exists = session.scalars(select(PsuAccount).where(PsuAccount.username == username)).first()
        if exists is None:
            create_psu(session, username, password, name)
            created.append(username)
    return created


def find_psu(session: Session, username: str) -> Psu | None:
    account = session.scalars(select(PsuAccount).where(PsuAccount.username == username)).first()
    return _view(account) if account else None
