"""The status page in a real browser: Debian's Chromium, headless, phone-sized, no JavaScript
needed. The screenshot lands in test-output/ for a human to look at."""

from __future__ import annotations

import datetime as dt
import shutil
import struct
import subprocess
import tempfile
import threading

import pytest
from werkzeug.serving import make_server

from core.config import PROJECT_ROOT
from status import bankhealth, delivery, service
from tests.status.conftest import T0, incident, planned

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OUTPUT = PROJECT_ROOT / "test-output"


@pytest.fixture
def served(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def history(rt, session, clock):
    """A few weeks of life: planned work, a slow spell, a bank outage that is still on."""
    clock.now = T0 - dt.timedelta(days=40)
    past = service.create_notice(rt, session, planned(
        title="Database upgrade", banks=(), components=("accounts",),
        start=clock.now + dt.timedelta(days=10)), actor="op")
    clock.advance(days=10)
    service.change_status(rt, session, past.id, "in_progress", actor="op")
    clock.advance(hours=1)
    service.change_status(rt, session, past.id, "completed", actor="op")
    clock.now = T0 - dt.timedelta(days=12)
    slow = service.create_notice(rt, session, incident(title="Slow token endpoint",
                                                       severity="major"), actor="op")
    clock.advance(hours=3)
    service.change_status(rt, session, slow.id, "completed", actor="op")
    clock.now = T0
    for minute in range(0, 600, 7):
        rt.recorder.record("api:auth", True, 60 + minute % 90,
                           T0 - dt.timedelta(days=1, minutes=minute))
    service.create_notice(rt, session, planned(title="Alpha Bank API upgrade"), actor="op")
    for _ in range(5):
        clock.advance(seconds=2)
        bankhealth.record_call(rt, "beta-bank", False, 30000.0)
    delivery.run_once(rt)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_status_page_renders_in_chromium(rt, session, clock, served):
    history(rt, session, clock)
    # A short profile path: Chromium's singleton socket path must fit in sun_path.
    profile = tempfile.mkdtemp(prefix="obh-chromium-")
    OUTPUT.mkdir(exist_ok=True)
    shot = OUTPUT / "status-page-phone.png"
    shot.unlink(missing_ok=True)
    (OUTPUT / "status-page-phone-full.png").unlink(missing_ok=True)
    for name, size in (("status-page-phone.png", "412,900"),
                       ("status-page-phone-full.png", "412,2600")):
        result = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}",
             f"--screenshot={OUTPUT / name}", f"--window-size={size}", f"{served}/status"],
            check=True, timeout=120, capture_output=True, text=True)
        assert (OUTPUT / name).exists(), (result.stdout + result.stderr)[-3000:]
    shutil.rmtree(profile, ignore_errors=True)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (412, 900)
    assert len(data) > 20_000  # a rendered page, not a blank one
