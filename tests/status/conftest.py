"""Status fixtures: an app that knows two banks and accepts loopback webhooks, a settable
clock, and a webhook receiver over real HTTP on localhost."""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from core.app import create_app
from core.banks import BankInfo, BankList
from status import delivery, service

BANKS = "alpha-bank,beta-bank"
T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def app_settings():
    return {"STATUS_BANK_IDS": tuple(BANKS.split(",")), "STATUS_WEBHOOKS_ALLOW_HTTP_LOOPBACK": True,
            "STATUS_WEBHOOK_BACKOFF_SECONDS": 0.0, "STATUS_WEBHOOK_MAX_ATTEMPTS": 5,
            "STATUS_WEBHOOK_TIMEOUT_SECONDS": 2.0}


@pytest.fixture(autouse=True)
def banks(app):
    """Stands in for aggregation's registry, so these tests do not depend on which sandbox
    banks are configured."""
    app.extensions["banks"] = BankList(tuple(BankInfo(b, b) for b in BANKS.split(",")))


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock(app):
    clock = Clock(T0)
    app.extensions["status"].clock = clock
    return clock


@pytest.fixture
def rt(app, clock):
    return app.extensions["status"]


@pytest.fixture
def other(app, clock, database_url, redis_url, app_settings, signing_keys_dir):
    """A second app instance on the same database (and Redis, when one is given): another
    worker or host."""
    second = create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url,
                         "ISSUER": "http://localhost", "SIGNING_KEYS_DIR": signing_keys_dir,
                         "TESTING": True, **app_settings})
    second.extensions["banks"] = BankList(tuple(BankInfo(b, b) for b in BANKS.split(",")))
    second.extensions["status"].clock = clock
    yield second
    second.extensions["engine"].dispose()


def planned(title="Bank upgrade", *, banks=("alpha-bank",), components=(), start=None,
            hours=2, severity="critical", body="The bank upgrades its API."):
    start = start or T0 + dt.timedelta(days=2)
    return service.NoticeInput("planned", title, severity, tuple(components), tuple(banks),
                               body, start, start + dt.timedelta(hours=hours))


def incident(title="Token endpoint errors", *, components=("auth",), banks=(),
             severity="major", start=None):
    return service.NoticeInput("unplanned", title, severity, tuple(components), tuple(banks),
                               "We are looking into it.", start, None)


@dataclass
class Received:
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """A webhook endpoint: records what it gets; `fail_next` answers 503 that many times;
    `down()` closes the port so connections are refused."""

    received: list[Received] = field(default_factory=list)
    fail_next: int = 0
    server: ThreadingHTTPServer | None = None
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.received.append(Received(dict(self.headers), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def receiver():
    rec = Receiver()
    rec.up()
    yield rec
    rec.down()


def drain(rt, passes: int = 10) -> None:
    """Run the worker until nothing is due (the clock may need advancing between retries)."""
    for _ in range(passes):
        counts = delivery.deliver_due(rt)
        if not any(counts.values()):
            return
