"""The customer's pages in a real browser (Debian's Chromium through Playwright), at a phone's
and a desktop's width, under the strict Content-Security-Policy: sign-in (auth), the consent
screen with a bank connected at its own sign-in page, the dashboard's sign-in and the dashboard.
Screenshots go to test-output/ for a human to look at; the assertions are what a reviewer would
check by eye: no sideways scrolling, a label for every field, one h1, readable contrast, a
visible keyboard focus, no inline style or script, no asset from elsewhere."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from playwright.sync_api import sync_playwright

from core.config import PROJECT_ROOT
from tests.consent.live import (
    BANK_PASSWORD,
    PSU_PASSWORD,
    free_port,
    live_settings,
    load_example,
    serving,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
OUTPUT = PROJECT_ROOT / "test-output"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTHS = {"phone": (375, 812), "desktop": (1280, 900)}

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")

# Contrast ratio (WCAG 2.x) of each text element's colour against the first opaque background
# behind it; returns the elements below 4.5:1.
LOW_CONTRAST = """() => {
  const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) { return c; }
    }
    return [255, 255, 255];
  };
  const low = [];
  document.querySelectorAll("h1,h2,p,label,button,th,td,li,span,caption,a,input").forEach((el) => {
    if (!el.offsetParent) { return; }
    const a = lum(rgb(getComputedStyle(el).color)), b = lum(background(el));
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) {
      low.push(el.tagName + ": " + el.textContent.trim().slice(0, 40) + " " + ratio.toFixed(2));
    }
  });
  return low;
}"""
# what the served HTML must not hold: a style attribute or element, a script without src
INLINE = re.compile(r"<style|\sstyle=|<script(?![^>]*\ssrc=)", re.IGNORECASE)
UNLABELLED = """() => Array.from(
  document.querySelectorAll("input:not([type=hidden]),select,textarea"))
  .filter((el) => el.labels.length === 0 && !el.getAttribute("aria-label"))
  .map((el) => el.name)"""


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


@pytest.fixture
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_tab(browser, base: str, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height})
    # the TPP's redirect_uri is not on this machine: answer it, so the flow can end there
    context.route("https://budgeting.example/**", lambda route: route.fulfill(
        status=200, content_type="text/plain", body="back at the TPP"))
    tab = context.new_page()
    tab.problems, tab.foreign, tab.html = [], [], []
    tab.on("response", lambda resp: "text/html" in resp.headers.get("content-type", "")
           and tab.html.append(resp))
    tab.on("console", lambda msg: msg.type == "error" and tab.problems.append(msg.text))
    tab.on("request", lambda req: req.url.startswith(("http://", "https://")) and not (
        req.url.startswith(base) or req.url.startswith("https://budgeting.example/"))
        and tab.foreign.append(req.url))
    return tab


def check_page(tab, name: str) -> None:
    """Screenshot, then what every customer page must satisfy."""
    OUTPUT.mkdir(exist_ok=True)
    tab.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)
    assert tab.evaluate("document.documentElement.lang") == "en"
    assert tab.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{name}: scrolls sideways")
    assert tab.locator("h1").count() == 1, name
    assert tab.evaluate(UNLABELLED) == [], name
    assert tab.evaluate(LOW_CONTRAST) == [], name
    document = [resp for resp in tab.html if resp.url == tab.url and resp.status < 300][-1]
    found = INLINE.search(document.text())
    assert found is None, (name, found and found.group(0))
    tab.html.clear()
    assert tab.evaluate("document.styleSheets.length") >= 1, f"{name}: stylesheet not loaded"
    assert not tab.problems, (name, tab.problems)
    assert not tab.foreign, (name, tab.foreign)


def authorisation_url(base: str, client: dict) -> str:
    """The Budgeting App's consent and pushed request, as examples/tpp_client.py makes them."""
    tpp = load_example().Tpp(base, client, out=lambda *_: None)
    tpp.discover()
    spec = tpp.http.get("/openapi.json").json()
    create = next(path for path, ops in spec["paths"].items()
                  if path.endswith("/account-access-consents") and "post" in ops)
    created = tpp.call(create, tpp.client_token("accounts"), "POST", json={
        "Data": {"Permissions": ["ReadAccountsDetail", "ReadBalances"],
                 "ExpirationDateTime": "2099-01-01T00:00:00+00:00"}, "Risk": {}})
    assert created.status_code == 201, created.text
    details = json.dumps([{"type": "account_access_consent",
                           "consent_id": created.json()["Data"]["ConsentId"]}])
    request_uri, _, _ = tpp.push("accounts", {"authorization_details": details})
    return tpp.authorize_url(request_uri)


@pytest.mark.parametrize("device", WIDTHS)
def test_the_customer_pages_on_a_phone_and_a_desktop(live, browser, device):
    _, base, client = live
    tab = open_tab(browser, base, *WIDTHS[device])

    tab.goto(authorisation_url(base, client))
    check_page(tab, f"psu-{device}-1-sign-in")
    tab.keyboard.press("Tab")
    focused = tab.evaluate("""() => { const el = document.activeElement;
        return [el.id, getComputedStyle(el).outlineStyle]; }""")
    assert focused == ["username", "solid"]
    tab.fill("#username", "alice")
    tab.fill("#password", "wrong password")
    tab.get_by_role("button", name="Sign in").click()
    check_page(tab, f"psu-{device}-2-sign-in-refused")
    assert tab.get_by_role("alert").is_visible()
    assert tab.get_attribute("#password", "aria-describedby") == "sign-in-error"

    tab.fill("#username", "alice")
    tab.fill("#password", PSU_PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.get_by_role("heading", level=1).filter(has_text="asks to see").wait_for()
    check_page(tab, f"psu-{device}-3-consent-screen")

    tab.get_by_role("button", name="Connect: Northgate Bank").click()
    tab.fill("input[name=username]", "alice")
    tab.fill("input[name=password]", BANK_PASSWORD)
    tab.locator("button[value=approve]").click()
    tab.get_by_text("Connected (").wait_for()
    check_page(tab, f"psu-{device}-4-consent-screen-connected")
    tab.get_by_role("button", name="Allow access").click()
    tab.wait_for_url("https://budgeting.example/**")

    tab.goto(f"{base}/psu/consents")
    check_page(tab, f"psu-{device}-5-dashboard-sign-in")
    tab.fill("#username", "alice")
    tab.fill("#password", PSU_PASSWORD)
    tab.get_by_role("button", name="Sign in").click()
    tab.get_by_role("button", name="Stop sharing with Budgeting App").wait_for()
    check_page(tab, f"psu-{device}-6-dashboard")
