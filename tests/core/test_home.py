"""`GET /` sends people to the portal and the status page, and programs to the same links."""

from __future__ import annotations

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_browser_gets_a_page_linking_portal_and_status(client):
    resp = client.get("/", headers={"Accept": BROWSER})
    assert resp.status_code == 200 and resp.mimetype == "text/html"
    page = resp.get_data(as_text=True)
    assert 'href="http://localhost/docs"' in page
    assert 'href="http://localhost/status"' in page


def test_other_clients_get_json_links(client):
    for accept in ("*/*", "application/json", None):
        resp = client.get("/", headers={"Accept": accept} if accept else {})
        assert resp.status_code == 200 and resp.mimetype == "application/json", accept
        links = resp.get_json()["links"]
        assert links["portal"] == "http://localhost/docs"
        assert links["status"] == "http://localhost/status"
        assert links["discovery"] == "http://localhost/.well-known/oauth-authorization-server"


def test_every_link_answers(client):
    for href in client.get("/").get_json()["links"].values():
        path = href.removeprefix("http://localhost")
        assert client.get(path).status_code in (200, 302, 303), path
