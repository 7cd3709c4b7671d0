"""The one way status services open their transaction.

A service owns its transaction, so a failure writes nothing. A caller's session may already
have a transaction that only read (SQLAlchemy begins one on the first query, or when an
expired object is refreshed); that one is ended first. Pending changes of the caller's are
a programming error: we refuse rather than commit them by surprise.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core.errors import Conflict


@contextmanager
def owned(session: Session):
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("status services own their transaction; the session has "
                               "uncommitted changes")
        session.commit()
    try:
        with session.begin():
            yield session
    except StaleDataError as err:
        raise Conflict("The notice changed meanwhile; read it again and retry.") from err
