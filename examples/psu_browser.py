"""The PSU's browser, scripted: cookies, redirects through our pages and the banks' pages,
a sandbox bank's sign-in form, and the forms of our consent screen and dashboard.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import httpx
from fapi_client import TppError

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


class Browser:
    """The PSU's browser: keeps cookies, follows 303s on our pages and the banks' pages, and
    stops at the TPP's redirect URI (which this script plays itself)."""

    def __init__(self, stop_at: str) -> None:
        self.http = httpx.Client(timeout=30.0, follow_redirects=False)
        self.stop_at = stop_at

    def follow(self, resp: httpx.Response) -> httpx.Response:
        for _ in range(10):
            if not resp.is_redirect:
                return resp
            location = urljoin(str(resp.url), resp.headers["location"])
            if location.startswith(self.stop_at):
                return resp
            resp = self.http.get(location)
        raise TppError("too many redirects")

    def post(self, base: str, action: str, data: dict | None = None) -> httpx.Response:
        return self.follow(self.http.post(urljoin(base, html.unescape(action)), data=data))

    def bank_sign_in(self, page: httpx.Response, username: str, password: str
                     ) -> httpx.Response:
        """Fill in a sandbox bank's sign-in form and approve."""
        form = {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)}
        form.update(username=username, password=password, decision="approve")
        return self.follow(self.http.post(str(page.url).split("?")[0], data=form))


def form_action(page: str, pattern: str) -> str | None:
    found = re.search(rf'action="({pattern})"', page)
    return found.group(1) if found else None
