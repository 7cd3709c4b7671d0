"""The public status answers sent again in front of Flask's dispatch.

During an incident every TPP polls the summary at once, and the answer is the same for all of
them. Once Flask has sent the current copy of a public answer (status.publiccache), this WSGI
layer keeps the status line, headers and body it sent, and sends them again to the next GETs
of the same path while that copy is still the one Flask would send (`PublicCache.servable`:
the same generation check, so a write through any worker or host shows within its second; the
same validity in time; and, like Flask, the copy that ran out of time while its successor
renders). Such a request costs no request context, routing, hooks or response object, so
it costs less than Flask's hello-world view; it still gets what every answer gets per request:
its own `x-fapi-interaction-id`, a count and latency in the request metrics, and the request
log line (core.web).

The 200 and the 304 of a copy are each kept from the first time Flask sends them, so a headers
list never needs building here, and whatever headers the app's hooks put on these answers
(security headers, `Cache-Control`, the validators) are sent again as they were.

Flask answers (and its answer is kept for next time) whenever a request could get a different
answer from the app: a method other than GET, a query string (filters, which Flask validates),
a body, or a request header other than those no hook reads (a DPoP proof gets a `DPoP-Nonce`,
the client certificate header is refused from an untrusted peer, cookies, credentials).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from core.web import INTERACTION_HEADER, LOGGER_NAME, interaction_id_for, log
from status.publiccache import ANSWER_ENVIRON, Rendered, not_modified

# The paths of the public answers; each is its own URL rule (the metrics' endpoint label).
PATHS = frozenset(("/status/v1/summary", "/status", "/status/feed.atom",
                   "/status/v1/availability"))

# Request headers that change nothing in these answers but the ones computed here.
PLAIN_HEADERS = frozenset((
    "HTTP_HOST", "HTTP_USER_AGENT", "HTTP_ACCEPT", "HTTP_ACCEPT_ENCODING",
    "HTTP_ACCEPT_LANGUAGE", "HTTP_CONNECTION", "HTTP_KEEP_ALIVE", "HTTP_CACHE_CONTROL",
    "HTTP_PRAGMA", "HTTP_REFERER", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE",
    "HTTP_X_FAPI_INTERACTION_ID", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT", "HTTP_X_REAL_IP", "HTTP_X_REQUEST_ID",
    "HTTP_VIA", "HTTP_FORWARDED",
))

_INTERACTION = INTERACTION_HEADER.lower()


@dataclass(frozen=True)
class Sent:
    status: str
    headers: tuple[tuple[str, str], ...]  # as Flask sent them, less the interaction id
    body: bytes


@dataclass
class Kept:
    """What Flask sent for one copy: its 200 and its 304, each once it has been sent."""

    entry: Rendered
    full: Sent | None = None
    not_modified: Sent | None = None


def plain(environ: dict) -> bool:
    """A GET with no query, no body and no header that a hook of the app answers."""
    if environ.get("QUERY_STRING") or environ.get("CONTENT_LENGTH") not in (None, "", "0"):
        return False
    return all(name in PLAIN_HEADERS for name in environ if name.startswith("HTTP_"))


class FastPath:
    """WSGI middleware around the Flask app's `wsgi_app` (mounted by `core.app`)."""

    def __init__(self, wsgi_app, runtime, metrics) -> None:
        self.wsgi_app, self.runtime, self.metrics = wsgi_app, runtime, metrics
        self.kept: dict[str, Kept] = {}
        self.request_log = logging.getLogger(LOGGER_NAME)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO")
        if path not in PATHS or environ.get("REQUEST_METHOD") != "GET" or not plain(environ):
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        kept = self.kept.get(path)
        if kept is not None and self.runtime.public_cache.servable(
                kept.entry.key, self.runtime.now()) is kept.entry:
            sent = kept.not_modified if not_modified(environ, kept.entry) else kept.full
            if sent is not None:
                return self._send(environ, start_response, path, sent, started)
        return self._keep(environ, start_response, path)

    def _send(self, environ, start_response, path: str, sent: Sent, started: float):
        interaction_id = interaction_id_for(environ)
        start_response(sent.status, [*sent.headers, (INTERACTION_HEADER, interaction_id)])
        status = int(sent.status[:3])
        seconds = time.perf_counter() - started
        self.metrics.observe(path, "GET", status, seconds)
        if self.request_log.isEnabledFor(logging.INFO):
            log.info("request", method="GET", endpoint=path, status=status,
                     duration_ms=round(seconds * 1000, 2), interaction_id=interaction_id)
        return [sent.body]

    def _keep(self, environ, start_response, path: str):
        """Flask answers; a 200 or 304 of a public copy is kept for the next requests."""
        seen: list = []

        def noting(status, headers, exc_info=None):
            seen[:] = [status, headers]
            return start_response(status, headers, exc_info)

        answer = self.wsgi_app(environ, noting)
        entry = environ.get(ANSWER_ENVIRON)
        if entry is None or not seen or seen[0][:3] not in ("200", "304"):
            return answer
        try:
            body = b"".join(answer)
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()
        status, headers = seen
        sent = Sent(status, tuple((k, v) for k, v in headers if k.lower() != _INTERACTION),
                    body)
        kept = self.kept.get(path)
        if kept is None or kept.entry is not entry:
            kept = Kept(entry)
        if status[:3] == "200":
            kept.full = sent
        else:
            kept.not_modified = sent
        self.kept[path] = kept
        return [body]


def mount(app) -> None:
    """Put the fast path in front of `app`'s dispatch when core.app mounts the packages'
    fast paths."""
    app.extensions.setdefault("wsgi_fast_paths", []).append(
        lambda wsgi_app: FastPath(wsgi_app, app.extensions["status"],
                                  app.extensions["metrics"]))
