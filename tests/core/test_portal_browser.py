"""The portal's console in a real browser: Debian's Chromium driven by Playwright, the app served
on a free port under the strict Content-Security-Policy every HTML page gets. "Try it out" →
"Execute" on a UK payee check and on /balances must show the real answers of the demo data."""

from __future__ import annotations

import json
import shutil
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from consent.crypto import generate_key_spec
from core.config import PROJECT_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OUTPUT = PROJECT_ROOT / "test-output"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


@pytest.fixture
def app_settings(tmp_path):
    return {"DEMO_DIR": str(tmp_path / "demo"), "TOKEN_ENCRYPTION_KEYS": generate_key_spec("t1"),
            "RATELIMIT_ENABLED": False}


@pytest.fixture
def served(app):
    """The demo loaded, the app served (its pages under the app's own strict CSP,
    core/pagesecurity.py); the base URL."""
    for _, seeder in app.extensions["demo_seeders"]:
        with app.extensions["session_factory"]() as session:
            seeder(app, session)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def page():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.problems = []
        tab.on("console", lambda msg: msg.type == "error" and tab.problems.append(msg.text))
        tab.on("pageerror", lambda exc: tab.problems.append(str(exc)))
        yield tab
        browser.close()


def execute(page, path: str, method: str) -> tuple[str, str]:
    """Open the operation, Try it out, Execute; return the live response's status and body."""
    block = page.locator(f".opblock-{method}").filter(
        has=page.locator(f'.opblock-summary-path[data-path="{path}"]'))
    block.locator(".opblock-summary").first.click()
    block.locator("button.try-out__btn").click()
    block.locator("button.execute").click()
    live = block.locator(".live-responses-table .response")
    live.wait_for(timeout=30_000)
    status = live.locator(".response-col_status").inner_text().strip()
    body = live.locator(".response-col_description pre").first.inner_text()
    return status, body


def test_try_it_out_returns_the_demo_answers_under_the_strict_csp(served, page):
    spec = json.loads(page.request.get(f"{served}/openapi.json").text())
    balances = next(path for path in spec["paths"]
                    if path.endswith("/balances") and "{" not in path)
    page.goto(f"{served}/docs")
    page.locator(".opblock").first.wait_for(timeout=30_000)
    page.get_by_text("Demo mode").wait_for(timeout=10_000)
    assert page.locator(".btn.authorize").count() == 0  # it asks for a secret: FAPI refuses

    status, body = execute(page, "/cop/v1/name-verifications", "post")
    assert status == "200", body
    report = json.loads(body)["Data"]["VerificationReport"]
    assert report == {"Matched": False, "ReasonCode": "MBAM", "Name": "John Andrew Smith"}

    status, body = execute(page, balances, "get")
    assert status == "200", body
    found = json.loads(body)["Data"]["Balance"]
    assert {item["Amount"]["Currency"] for item in found} >= {"GBP", "EUR"}

    status, body = execute(page, "/vop/v1/payee-verifications", "post")
    assert status == "200", body
    assert json.loads(body) == {"partyNameMatch": "CMTC", "matchedName": "Jürgen Müller"}

    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "portal-console.png"), full_page=False)
    assert page.problems == []  # no CSP refusal, no missing asset, no script error
