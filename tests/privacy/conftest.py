"""Privacy fixtures: the test app served on a free port with the sandbox banks, the demo TPP
and PSUs (see tests/consent/live.py)."""

from __future__ import annotations

import pytest

from tests.consent.live import free_port, live_settings, serving


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def app_settings(port, tmp_path):
    return live_settings(port, tmp_path)


@pytest.fixture
def live(app, port):
    with serving(app, port) as client:
        yield app, f"http://127.0.0.1:{port}", client
