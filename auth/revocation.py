"""Revocation that every worker sees on the next request, for the price of one Redis round trip.

The `oauth_tokens` row (`revoked_at`) stays the source of truth. Next to it, every revocation
writes a marker in Redis, inside the revoking transaction and before it commits:
`revoked:jti:<jti>` (one access token), `revoked:grant:<grant id>` (a refresh token, or a
replayed authorisation code: every token of the grant) and `revoked:consent:<consent id>` (a
consent ended). Each lives as long as the tokens it covers can (the access-token lifetime plus
a margin), so expired markers never outlive a token they could stop. The resource check reads
the markers a token could match with one MGET, pipelined with the DPoP replay SET NX.

What can go wrong, and what happens then:
- The revoking transaction rolls back after the marker was written: the token stays refused
  until it expires (over-revocation, the safe direction).
- Redis is unreachable while revoking: the database revocation still commits (it must not
  depend on a cache), and this process retries the marker every half second in a background
  thread until Redis takes it. Meanwhile every worker that cannot reach Redis falls back to the
  database row; one that can (a partition) could accept the token until the retry lands.
  Only if this process also dies before Redis returns with its old data can a revoked token
  stay usable, for at most one access-token lifetime (5 minutes by default).
- Redis loses its data (restart without persistence, failover to an empty replica): the
  sentinel `revoked:ready` is gone with it. A check that finds it missing answers from the
  database, and one worker (under a SET NX lock) rebuilds the markers of every revoked,
  unexpired access token from the database and sets the sentinel again.
- Redis is down at check time: certificate-bound tokens are checked against the database row
  (as before; nothing of theirs needs Redis); DPoP-bound calls fail closed with 503, because
  the replay cache cannot answer either.

Without Redis (the embedded default) the markers live in each process's own store, so a
revocation made in another process — a `flask registers import` that cuts a TPP off, another
gunicorn worker — does not reach them. For that, a client's tokens also carry its token epoch
(`ClientTokenEpoch`, claim `epoch`), which cutting it off raises in the revoking transaction;
a worker with an embedded store reads the client's epoch row on every call (one primary-key
read) and refuses a token from an earlier epoch. With Redis the markers already reach every
worker, and the importing command waits for them to land (`Markers.settle`).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import weakref
from dataclasses import dataclass, field

import redis
from sqlalchemy import Connection, select, text
from sqlalchemy.orm import Session

from auth.models import ClientTokenEpoch, IssuedToken
from core.db import utcnow
from core.kv import is_embedded
from core.logging import get_logger

PREFIX = "revoked:"
READY = PREFIX + "ready"
REBUILDING = PREFIX + "rebuilding"
MARGIN_SECONDS = 60
RETRY_SECONDS = 0.5
EPOCH_CLAIM = "epoch"

log = get_logger("auth.revocation")


def jti_key(jti: str) -> str:
    return f"{PREFIX}jti:{jti}"


def grant_key(grant_id: str) -> str:
    return f"{PREFIX}grant:{grant_id}"


def consent_key(consent_id: str) -> str:
    return f"{PREFIX}consent:{consent_id}"


def marker_keys(claims: dict) -> list[str]:
    """The sentinel, then every marker that could refuse a token with these claims."""
    keys = [READY, jti_key(claims["jti"]), grant_key(claims["gid"])]
    if isinstance(claims.get("consent_id"), str):
        keys.append(consent_key(claims["consent_id"]))
    return keys


@dataclass
class Markers:
    """The Redis side of revocation for one app; `lifetime` is the access-token lifetime."""

    client: redis.Redis
    lifetime: int
    _pending: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _retrying: bool = False

    @property
    def shared(self) -> bool:
        """Whether the markers reach every worker (Redis), or stay in this process."""
        return not is_embedded(self.client)

    @property
    def ttl(self) -> int:
        return self.lifetime + MARGIN_SECONDS

    def mark(self, keys: dict[str, int]) -> None:
        """Write markers (key -> seconds to live). Never raises: a failure is retried."""
        keys = {k: max(1, int(v)) for k, v in keys.items()}
        if not keys:
            return
        try:
            self._write(keys)
        except redis.RedisError as exc:
            log.warning("revocation_marker_deferred", markers=len(keys),
                        error_type=type(exc).__name__)
            self._defer(keys)

    def _write(self, keys: dict[str, int]) -> None:
        pipe = self.client.pipeline(transaction=False)
        for key, seconds in keys.items():
            pipe.set(key, 1, ex=seconds)
        pipe.execute()

    def _defer(self, keys: dict[str, int]) -> None:
        deadline = time.monotonic()
        with self._lock:
            for key, seconds in keys.items():
                self._pending[key] = max(self._pending.get(key, 0), int(deadline + seconds))
            if self._retrying:
                return
            self._retrying = True
        threading.Thread(target=self._retry, name="revocation-markers", daemon=True).start()

    def _retry(self) -> None:
        while True:
            time.sleep(RETRY_SECONDS)
            with self._lock:
                now = time.monotonic()
                due = {k: int(until - now) for k, until in self._pending.items()
                       if until - now >= 1}
            try:
                if due:
                    self._write(due)
            except redis.RedisError:
                continue
            with self._lock:
                for key in due:
                    self._pending.pop(key, None)
                if not self._pending:
                    self._retrying = False
                    log.info("revocation_markers_written", markers=len(due))
                    return

    def settle(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for deferred markers to land; whether none is left. A
        short-lived process (a CLI command) calls it before exiting, as its retry thread
        dies with it."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if not self._pending:
                    return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(RETRY_SECONDS / 5)

    def rebuild(self, session: Session) -> bool:
        """After Redis lost its data: markers for every revoked, unexpired access token, then
        the sentinel. One worker does it (SET NX); returns whether this call did."""
        if not self.client.set(REBUILDING, 1, nx=True, ex=30):
            return False
        now = utcnow()
        rows = session.execute(select(IssuedToken.id, IssuedToken.expires_at).where(
            IssuedToken.kind == "access", IssuedToken.revoked_at.is_not(None),
            IssuedToken.expires_at > now)).all()
        self._write({jti_key(jti): _seconds_left(expires, now) + MARGIN_SECONDS
                     for jti, expires in rows})
        self.client.set(READY, 1)
        self.client.delete(REBUILDING)
        log.info("revocation_markers_rebuilt", markers=len(rows))
        return True


# Plain SQL: read on every call of a worker without Redis, where building the select costs
# twice what running it does.
_EPOCH = text(f"SELECT epoch FROM {ClientTokenEpoch.__tablename__} WHERE client_id = :client_id")


def client_epoch(session: Session | Connection, client_id: str) -> int:
    """The client's token epoch: 0 until it is first cut off."""
    return session.execute(_EPOCH, {"client_id": client_id}).scalar() or 0


def raise_client_epoch(session: Session, client_id: str) -> int:
    """Refuse every token the client holds now, in every worker, from the next call on."""
    row = session.get(ClientTokenEpoch, client_id)
    if row is None:
        row = ClientTokenEpoch(client_id=client_id, epoch=0)
        session.add(row)
    row.epoch, row.changed_at = (row.epoch or 0) + 1, utcnow()
    return row.epoch


def epoch_refuses(session: Session | Connection, claims: dict) -> bool:
    """Whether the token comes from an earlier epoch of its client than the current one."""
    carried = claims.get(EPOCH_CLAIM, 0)
    if not isinstance(carried, int) or isinstance(carried, bool):
        return True
    return carried < client_epoch(session, claims["client_id"])


def _seconds_left(expires: dt.datetime, now: dt.datetime) -> int:
    return max(1, int((expires - now).total_seconds()) + 1)


# The markers of each app, by its database engine: revocation by consent is called by the
# consent package with a session only (often outside a request), and must still mark.
_by_engine: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def register(engine, markers: Markers) -> None:
    _by_engine[engine] = markers


def for_session(session: Session) -> Markers | None:
    try:
        return _by_engine.get(session.get_bind())
    except Exception:  # noqa: BLE001 - an unbound session has no markers
        return None
