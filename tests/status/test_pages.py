"""The status page (server-rendered, no JavaScript) and the Atom feed (RFC 4287)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from sqlalchemy.exc import OperationalError

from status import service
from tests.status.conftest import T0, incident, planned

ATOM = "{http://www.w3.org/2005/Atom}"


def test_page_shows_components_maintenance_incidents_and_bars(rt, session, client, clock):
    service.create_notice(rt, session, planned(title="Alpha upgrade"), actor="op")
    service.create_notice(rt, session, incident(title="Slow tokens", severity="minor"),
                          actor="op")
    resp = client.get("/status")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    assert "<script" not in html
    assert 'name="viewport"' in html
    for text in ("Authorisation server", "Account information", "Payee checks", "alpha-bank",
                 "beta-bank", "Alpha upgrade", "Slow tokens", "Degraded performance",
                 "Open incidents", "Maintenance"):
        assert text in html, text
    assert html.count('<svg class="bars"') == 5
    assert html.count("<rect ") == 5 * 90
    assert resp.headers["Cache-Control"] == "public, max-age=5"


def test_text_is_escaped(rt, session, client):
    service.create_notice(rt, session, incident(title="<script>alert(1)</script>"), actor="op")
    html = client.get("/status").get_data(as_text=True)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)" in html
    feed = client.get("/status/feed.atom").get_data(as_text=True)
    assert "<script>" not in feed
    ET.fromstring(feed)


def parse_feed(client):
    resp = client.get("/status/feed.atom")
    assert resp.status_code == 200 and resp.mimetype == "application/atom+xml"
    return ET.fromstring(resp.data)


def rfc3339(text: str) -> dt.datetime:
    assert text.endswith("Z")
    return dt.datetime.fromisoformat(text)


def test_feed_is_valid_atom(rt, session, client, clock):
    a = service.create_notice(rt, session, planned(title="Alpha upgrade"), actor="op")
    clock.advance(minutes=5)
    service.add_update(rt, session, a.id, "Rescheduled by the bank & confirmed.", actor="op")
    clock.advance(minutes=5)
    b = service.create_notice(rt, session, incident(), actor="op")
    feed = parse_feed(client)
    assert feed.tag == f"{ATOM}feed"
    # RFC 4287 §4.1.1: exactly one id, title and updated; an author (feed or every entry)
    for name in ("id", "title", "updated"):
        assert len(feed.findall(f"{ATOM}{name}")) == 1, name
    assert feed.find(f"{ATOM}author/{ATOM}name").text
    assert rfc3339(feed.findtext(f"{ATOM}updated")) == clock.now
    self_link = [link for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    assert self_link[0].get("href") == "http://localhost/status/feed.atom"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}id") for e in entries] == [
        f"http://localhost/status/v1/notices/{b.id}", f"http://localhost/status/v1/notices/{a.id}"]
    ids = set()
    for entry in entries:
        for name in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{name}")) == 1
        ids.add(entry.findtext(f"{ATOM}id"))
        rfc3339(entry.findtext(f"{ATOM}updated"))
        content = entry.find(f"{ATOM}content")
        assert content.get("type") == "html" and content.text
        assert entry.find(f"{ATOM}link[@rel='alternate']") is not None
    assert len(ids) == 2
    alpha = entries[1]
    assert "Rescheduled by the bank &amp; confirmed." in alpha.find(f"{ATOM}content").text
    assert {c.get("term") for c in alpha.findall(f"{ATOM}category")} == {"planned",
                                                                         "scheduled"}


def test_empty_feed_is_still_valid(client, clock):
    feed = parse_feed(client)
    assert feed.findall(f"{ATOM}entry") == [] and feed.findtext(f"{ATOM}updated")


def test_history_lists_closed_notices(rt, session, client, clock):
    notice = service.create_notice(rt, session, incident(title="Old trouble"), actor="op")
    clock.advance(hours=1)
    service.change_status(rt, session, notice.id, "completed", actor="op")
    html = client.get("/status").get_data(as_text=True)
    assert "Old trouble" in html and "Open incidents" not in html
    clock.now = T0 + dt.timedelta(days=120)
    assert "Old trouble" not in client.get("/status").get_data(as_text=True)


def _database_down(monkeypatch):
    def down(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr("status.pagemodel.page", down)


def test_browser_gets_an_html_page_when_the_database_is_down(client, monkeypatch):
    _database_down(monkeypatch)
    resp = client.get("/status", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert resp.status_code == 503
    assert resp.mimetype == "text/html"
    assert resp.headers["Retry-After"] == "30"
    assert "cannot read its data right now" in resp.get_data(as_text=True)


def test_api_client_still_gets_the_problem_when_the_database_is_down(client, monkeypatch):
    _database_down(monkeypatch)
    resp = client.get("/status", headers={"Accept": "application/json"})
    assert resp.status_code == 503
    assert resp.mimetype == "application/problem+json"
