"""Drive a sandbox bank's sign-in page the way a PSU's browser would: open the authorise URL,
fill in the form, approve or deny, and return the parameters of the redirect back to the TPP
(`code`, `state`, `iss`, or `error`; a hybrid answer's fragment with its `id_token`; a JARM
`response`). For tests, benchmarks and the walk-through."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import httpx

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


class SignInRefused(RuntimeError):
    pass


def authorise(authorise_url: str, username: str, password: str = "sandbox", *,
              approve: bool = True, client: httpx.Client | None = None) -> dict[str, str]:
    http = client or httpx.Client(timeout=10)
    try:
        page = http.get(authorise_url)
        if page.status_code != 200:
            raise SignInRefused(f"authorise page answered {page.status_code}: {page.text[:200]}")
        form = {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)}
        form.update(username=username, password=password,
                    decision="approve" if approve else "deny")
        answer = http.post(authorise_url.split("?", 1)[0], data=form)
    finally:
        if client is None:
            http.close()
    if answer.status_code != 303:
        raise SignInRefused(f"sign-in answered {answer.status_code}")
    back = urlsplit(answer.headers["location"])
    params = {**parse_qs(back.query), **parse_qs(back.fragment)}
    return {key: values[0] for key, values in params.items()}
