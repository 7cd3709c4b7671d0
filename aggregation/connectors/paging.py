"""Following a bank's page links safely, whatever its standard calls them (OB `Links.Next`,
Berlin Group `_links.next.href`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from urllib.parse import urljoin

from aggregation.connectors.errors import BadPayload
from aggregation.transaction import TransactionPage

MAX_PAGES = 10_000  # a bank that never stops paging is broken, not a long history


def check_window(bank_id: str, booked_from: dt.datetime, booked_to: dt.datetime | None) -> None:
    """A window the caller got wrong is a bug on our side: ValueError, before any call."""
    for moment in (booked_from, booked_to):
        if moment is not None and (not isinstance(moment, dt.datetime)
                                   or moment.utcoffset() is None):
            raise ValueError(f"{bank_id}: transaction windows are time-zone aware datetimes")
    if booked_to is not None and booked_to < booked_from:
        raise ValueError(f"{bank_id}: the window ends before it starts")


def page_path(bank_id: str, api: str, link: str) -> str:
    """A page link (absolute, or relative as Berlin Group banks often write them) as a path
    under the bank's API base. A link anywhere else is refused: the PSU's token goes only to
    the bank that issued it."""
    full = urljoin(api + "/", link) if isinstance(link, str) else ""
    if not full.startswith(api + "/") or "#" in full:
        raise BadPayload(bank_id, "bad_payload", "a page link outside the bank's API")
    return full[len(api):]


def follow(bank_id: str, api: str, first: str,
           fetch: Callable[[str], TransactionPage]) -> Iterator[TransactionPage]:
    """Pages from `first` on, one bank call each, made when the caller asks for the page.
    A link that comes round again is a broken bank (it would page for ever)."""
    path: str | None = first
    seen: set[str] = set()
    while path is not None:
        if path in seen or len(seen) >= MAX_PAGES:
            raise BadPayload(bank_id, "bad_payload", "the page links go round in a loop")
        seen.add(path)
        page = fetch(path)
        yield page
        path = page_path(bank_id, api, page.next_cursor) if page.next_cursor else None
