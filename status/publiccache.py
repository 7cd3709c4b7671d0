"""The public status answers (summary, page, feed, availability), rendered once per change.

They are the same for every caller, and during an incident every TPP polls them at once, so
each process keeps the rendered bytes with a strong ETag (a hash of the bytes) and answers
`If-None-Match` / `If-Modified-Since` with 304.

What makes a copy stale, and how each process learns of it:
- a write to a notice, its targets or timeline, or the daily figures: a session hook notes
  such a flush and, once the transaction has committed, bumps a generation counter in the
  kv store (Redis; in-process on the embedded default), so every worker and instance sees
  it. Bumping after the commit means a reader that sees the new generation also sees the new
  rows. A copy is kept with the generation it was rendered under;
- reading the generation is one Redis GET; a process reads it at most once per
  `CHECK_SECONDS` (1 s) and trusts its copy in between, so a change made through another
  process shows within 1 s (a write in this process forgets its own copies at once). That is
  well inside what `Cache-Control: public, max-age=5` already lets any client or proxy keep;
- time alone: a scheduled window opening or closing changes a component's status with no
  write, so a copy is valid only until the next start or end of an open notice; documents
  whose figures run up to "now" (the page's bars, availability) are also re-rendered at most
  `MAX_AGE` seconds after they were rendered.

One render per process at a time: requests that find a copy missing or stale while another
thread of the process renders it wait for that render instead of repeating it (during a poll
burst, every thread of a worker used to render the same page at once, ~50 ms of CPU each, and
the requests queued behind them made the page's p99 half a second). When a copy has only run
out of time (same generation: no write since it was rendered), the other threads keep
answering with it for the few milliseconds its successor takes to render; after a write, every
request waits for the new copy.

`max-age=5`: during an incident a TPP learns of a change within 5 s, while a burst of polls
from behind a shared cache reaches us at most once per 5 s per cache, and a client that polls
more often revalidates for the price of a 304.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import chain

from flask import current_app, request
from redis.exceptions import RedisError
from sqlalchemy import event
from werkzeug.http import http_date, parse_date, parse_etags

from status.models import DailyFigures, Notice, NoticeTarget, NoticeUpdate

GENERATION_KEY = "status:public:generation"
CHECK_SECONDS = 1.0
MAX_AGE = 5
CACHE_CONTROL = f"public, max-age={MAX_AGE}"
SOURCES = (Notice, NoticeTarget, NoticeUpdate, DailyFigures)
_CHANGED = "status_public_changed"
_MAX_ENTRIES = 256
# how long a request waits for another thread's render before checking again (a render that
# failed wakes its waiters at once, and the next of them renders)
RENDER_WAIT_SECONDS = 10.0


@functools.lru_cache(maxsize=64)
def _http_dates(at: dt.datetime) -> str:
    return http_date(at)


@dataclass(frozen=True)
class Rendered:
    key: object  # what the copy is kept under in its PublicCache
    body: bytes
    mimetype: str
    etag: str  # quoted, strong
    last_modified: dt.datetime  # whole seconds, UTC
    generation: object
    valid_until: dt.datetime | None  # on the status clock; None: until the next write

    @property
    def last_modified_http(self) -> str:
        return _http_dates(self.last_modified)


def next_change(notices, now: dt.datetime) -> dt.datetime | None:
    """The next start or end of an open notice after `now`: when a status may change with no
    write."""
    return min((t for n in notices for t in (n.starts_at, n.ends_at)
                if t is not None and t > now), default=None)


def as_of(notices, now: dt.datetime, *, latest_write: dt.datetime | None = None,
          step: float | None = None) -> dt.datetime:
    """The time an answer is rendered for, the same in every process that renders it between
    two changes, so that every process sends the same bytes and the same ETag: the latest of
    the last write (`latest_write`), the last start or end of an open notice that has passed,
    and, for figures that run up to now, `now` rounded down to `step` seconds. Never after
    `now`; `now` itself when none of these is known."""
    passed = [t for n in notices for t in (n.starts_at, n.ends_at)
              if t is not None and t <= now]
    if latest_write is not None:
        passed.append(latest_write)
    if step:
        passed.append(now - dt.timedelta(seconds=now.timestamp() % step))
    return min(max(passed), now) if passed else now


def until(notices, now: dt.datetime, step: float | None = None) -> dt.datetime | None:
    """How long an answer rendered `as_of` stays true: the next start or end of an open
    notice, and for figures that run up to now, the end of the `step`."""
    ends = [next_change(notices, now)]
    if step:
        ends.append(now - dt.timedelta(seconds=now.timestamp() % step)
                    + dt.timedelta(seconds=step))
    return min((t for t in ends if t is not None), default=None)


class PublicCache:
    def __init__(self, redis, check_seconds: float = CHECK_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.redis, self.check_seconds, self.monotonic = redis, check_seconds, monotonic
        self._entries: dict[object, Rendered] = {}
        self._generation: object = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self._rendering: dict[object, threading.Event] = {}  # key -> set when its render ends

    def generation(self) -> object:
        now = self.monotonic()
        if now - self._checked_at < self.check_seconds:
            return self._generation
        try:
            value = self.redis.get(GENERATION_KEY)
        except RedisError:
            # Without the counter a copy cannot be known fresh: render every time (object()
            # matches no kept copy) until Redis answers again.
            return object()
        self._generation, self._checked_at = value, now
        return value

    def changed(self) -> None:
        """A source changed and committed: every process re-renders."""
        self.forget()
        try:
            self.redis.incr(GENERATION_KEY)
        except RedisError:
            pass  # other processes learn of it at their next successful bump
        self.forget()

    def forget(self) -> None:
        with self._lock:
            self._entries.clear()
            self._checked_at = float("-inf")

    def servable(self, key: object, now: dt.datetime) -> Rendered | None:
        """The copy `get` would answer `key` with at `now` without rendering or waiting:
        kept under the current generation, and in time or being replaced by a render in
        progress; else None."""
        hit = self._entries.get(key)
        if hit is None or hit.generation != self.generation():
            return None
        if hit.valid_until is None or now < hit.valid_until or key in self._rendering:
            return hit
        return None

    def get(self, key: object, now: dt.datetime,
            render: Callable[[], tuple[bytes, str, dt.datetime, dt.datetime | None]]
            ) -> Rendered:
        """The copy of `key`, or `render()` → (body, mimetype, as of, valid until) kept as
        one; one thread of the process renders a key at a time."""
        generation = self.generation()
        while True:
            hit = self._entries.get(key)
            current = hit is not None and hit.generation == generation
            if current and (hit.valid_until is None or now < hit.valid_until):
                return hit
            with self._lock:
                pending = self._rendering.get(key)
                if pending is None:
                    done = self._rendering[key] = threading.Event()
                    break
            if current:  # out of time only: its successor is being rendered
                return hit
            pending.wait(RENDER_WAIT_SECONDS)
        try:
            return self._render(key, hit, generation, render)
        finally:
            with self._lock:
                del self._rendering[key]
            done.set()

    def _render(self, key, hit: Rendered | None, generation: object, render) -> Rendered:
        body, mimetype, stamp, valid_until = render()
        etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
        # Re-rendered bytes that did not change keep their date, so If-Modified-Since holds.
        modified = (hit.last_modified if hit is not None and hit.etag == etag
                    else stamp.astimezone(dt.UTC).replace(microsecond=0))
        entry = Rendered(key, body, mimetype, etag, modified, generation, valid_until)
        with self._lock:
            if len(self._entries) >= _MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = entry
        return entry


def watch(session_factory, cache: PublicCache) -> None:
    """Bump the generation after each commit whose flushes touched a source of the public
    answers, whichever service, worker or CLI command wrote it."""

    @event.listens_for(session_factory, "after_flush")
    def _note(session, _context):
        if any(isinstance(o, SOURCES)
               for o in chain(session.new, session.dirty, session.deleted)):
            session.info[_CHANGED] = True

    @event.listens_for(session_factory, "after_commit")
    def _bump(session):
        if session.info.pop(_CHANGED, False):
            cache.changed()

    @event.listens_for(session_factory, "after_rollback")
    def _drop(session):
        session.info.pop(_CHANGED, None)


ANSWER_ENVIRON = "status.public_answer"


def not_modified(environ: dict, entry: Rendered) -> bool:
    """Whether the caller's `If-None-Match` (else `If-Modified-Since`) says it has `entry`
    already."""
    sent = environ.get("HTTP_IF_NONE_MATCH")
    if sent is not None:
        # a poller sends back exactly the tag it got: no parsing for that
        return sent == entry.etag or parse_etags(sent).contains_weak(entry.etag.strip('"'))
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    return since is not None and entry.last_modified <= since


def respond(entry: Rendered):
    """The copy, or 304 when the caller says it has it already. The copy is noted in the
    request's environ: the fast path (status.fastpath) keeps what is sent for it."""
    headers = {"ETag": entry.etag, "Last-Modified": entry.last_modified_http,
               "Cache-Control": CACHE_CONTROL}
    request.environ[ANSWER_ENVIRON] = entry
    if not_modified(request.environ, entry):
        return current_app.response_class(status=304, headers=headers)
    return current_app.response_class(entry.body, mimetype=entry.mimetype, headers=headers)
