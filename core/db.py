"""SQLAlchemy 2 engine, declarative base and sessions. No Flask here."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    MetaData,
    String,
    create_engine,
    event,
    exc,
    make_url,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.orm import exc as orm_exc
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from core.errors import Conflict

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def make_engine(url: str, **kwargs) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    idle_ping = kwargs.pop("idle_ping_seconds", IDLE_PING_SECONDS)
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        kwargs.setdefault("pool_recycle", 1800)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine, idle_ping)
    return engine


# A pooled connection unused this long is pinged before it is handed out (a firewall or the
# server may have dropped it). A busy connection is not: `pool_pre_ping` would cost a round
# trip on every checkout, which is a third of a payee check's database time. A connection the
# server dropped while busy (a restart) fails that one request with a disconnect, and
# SQLAlchemy then discards every pooled connection opened before it.
IDLE_PING_SECONDS = 5.0


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn, record):
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _handed_out(dbapi_conn, record, _proxy):
        returned = record.info.get("returned_at")
        if returned is None or time.monotonic() - returned < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as error:
            # The pool discards this connection and hands out a fresh one.
            raise exc.DisconnectionError("idle connection is gone") from error


def make_session_factory(engine: Engine) -> sessionmaker:
    # expire_on_commit=False: services return ORM objects that views serialise after commit.
    return sessionmaker(bind=engine, expire_on_commit=False)


def describe_failure(url: str, error: BaseException) -> str:
    """One line saying why the database named by `url` cannot be used and what fixes it; for
    an operator's terminal and for /readyz. Never carries the URL's password."""
    target = make_url(url)
    text = str(getattr(error, "orig", None) or error).strip().splitlines()
    first = text[0] if text else type(error).__name__
    if target.drivername.startswith("sqlite"):
        return f"SQLite database {target.database!r} cannot be opened: {first}"
    where = f"{target.host or 'localhost'}:{target.port or 5432}"
    name = target.database or ""
    if "does not exist" in first and f'database "{name}"' in first:
        user = target.username or "postgres"
        return (f"PostgreSQL database {name!r} does not exist on {where}; create it with "
                f"`createdb -h {target.host or 'localhost'} -p {target.port or 5432} -U {user} "
                f"{name}` (or `CREATE DATABASE \"{name}\"` in psql), or fix DATABASE_URL")
    if "password authentication failed" in first or "no password supplied" in first:
        return f"PostgreSQL at {where} refused user {target.username!r}: {first}; fix DATABASE_URL"
    if "Connection refused" in first or "could not connect" in first.lower():
        return f"PostgreSQL at {where} is not reachable (connection refused); start it or fix " \
               "DATABASE_URL"
    return f"PostgreSQL at {where}: {first}"


def database_problem(url: str) -> str | None:
    """None when the database named by `url` answers; otherwise `describe_failure`'s line."""
    engine = make_engine(url, poolclass=NullPool) if not url.startswith("sqlite") \
        else make_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except Exception as error:  # noqa: BLE001 - described, not raised
        return describe_failure(url, error)
    finally:
        engine.dispose()
    return None


# --- the unit of work -----------------------------------------------------------------------
#
# Every change to the database is committed by exactly one `unit_of_work` block, opened by the
# service that makes the change. Views and CLI commands never commit: they call a service.
# A service called from inside another's unit of work joins it, so a request that changes two
# things (a consent and its audit event, a token and its grant) commits both or neither.

_DEPTH = "core.unit_of_work.depth"
_DRIVER = "core.unit_of_work.driver_connection"


@contextmanager
def unit_of_work(session: Session, *, statements: str = "together") -> Iterator[Session]:
    """Commit what the block does, or nothing if it raises.

    Outermost: a transaction the session began only to read (SQLAlchemy begins one on the
    first query, or when it refreshes an expired object) is ended first; pending changes made
    outside any unit of work are a programming error, refused rather than committed by surprise.
    Nested: the block joins the enclosing unit of work, which commits.

    `statements="each"` is the payee check's fast path: on PostgreSQL each statement of the
    block runs in its own implicit transaction on a pooled connection switched to autocommit,
    reached through `driver_connection`. A check reads, then writes its audit rows in one
    INSERT: nothing needs to be atomic across the two, and a BEGIN and a COMMIT would be two
    round trips of four. Inside an enclosing unit of work, or on SQLite, the block is an
    ordinary (joined) unit of work.
    """
    if statements not in ("together", "each"):
        raise ValueError("statements is 'together' or 'each'")
    depth = session.info.get(_DEPTH, 0)
    if depth:
        session.info[_DEPTH] = depth + 1
        try:
            yield session
        finally:
            session.info[_DEPTH] = depth
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("changes were made outside a unit of work; open one with "
                               "core.db.unit_of_work before changing anything")
        session.commit()
    session.info[_DEPTH] = 1
    try:
        if statements == "each" and session.get_bind().dialect.name == "postgresql":
            with _autocommit(session):
                yield session
        else:
            with session.begin():
                yield session
    except orm_exc.StaleDataError as err:
        raise Conflict("The record changed meanwhile; read it again and retry.") from err
    finally:
        session.info.pop(_DEPTH, None)


@contextmanager
def _autocommit(session: Session) -> Iterator[None]:
    # Borrow the pooled connection directly and switch it to autocommit client-side (no round
    # trip); a session transaction with the AUTOCOMMIT isolation level set and reset around it
    # cost more CPU than the check's two statements. Anything read through the session itself
    # runs in the session's own transaction, committed at the end.
    pooled = session.get_bind().raw_connection()
    driver = pooled.driver_connection
    try:
        driver.autocommit = True
        session.info[_DRIVER] = driver
        try:
            yield
        except BaseException:
            session.rollback()
            raise
        # The check's own statements ran on `driver`; commit what went through the session
        # itself (a read began its transaction, or objects were added), and skip a commit
        # of nothing, which would begin a transaction only to end it.
        if session.in_transaction() or session.new or session.dirty or session.deleted:
            session.commit()
    finally:
        session.info.pop(_DRIVER, None)
        try:
            driver.autocommit = False  # never back in the pool in autocommit
        except Exception:  # noqa: BLE001 - a broken connection: the pool must not keep it
            pooled.invalidate()
        pooled.close()


def driver_connection(session: Session):
    """The DB-API connection statements of the current unit of work run on: the autocommit
    connection of a `statements="each"` block, else the session's own."""
    return session.info.get(_DRIVER) or session.connection().connection.driver_connection


def one_of_sql(column: str, values: tuple[str, ...]) -> str:
    """The SQL of a CHECK constraint that keeps `column` to one of `values` (closed vocabularies
    such as statuses, checked by the database as well as the code)."""
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def one_of(column: str, values: tuple[str, ...]) -> CheckConstraint:
    """The CHECK constraint, named after `column`, that keeps it to one of `values`."""
    return CheckConstraint(one_of_sql(column, values), name=column)


class ClientOwned:
    """Mixin for a row that belongs to one TPP, found by its OAuth `client_id`."""

    client_id: Mapped[str] = mapped_column(String(128), index=True)
