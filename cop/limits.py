"""The tighter limit on answers that disclose a holder's name (close matches).

Every check counts against the per-TPP request limit (flask-limiter, on the views). A close
match also reveals a stranger's name, so those are counted again, per client, in the same
storage (Redis in production): a client harvesting names from guessed account numbers hits
this long before the request limit. While Redis does not answer, disclosures are counted in
each worker's memory instead: the limit loosens by the number of workers but never lifts.
"""

from __future__ import annotations

import time

from limits import parse

from core.ratelimit import in_process_limiter, limiter


def disclosure_gate(app):
    """The gate for `app`, from its COP_DISCLOSURE_LIMIT and RATELIMIT_ENABLED."""
    item = parse(app.config["COP_DISCLOSURE_LIMIT"])
    enabled = app.config["RATELIMIT_ENABLED"]

    def gate(client_id: str, count: int) -> int | None:
        """None when `count` more disclosures are allowed, else seconds to wait."""
        if not enabled:
            return None
        try:
            return _wait(limiter.limiter, item, client_id, count)
        except Exception:  # noqa: BLE001 - storage down: count here rather than fail open
            return _wait(in_process_limiter(), item, client_id, count)

    return gate


def _wait(strategy, item, client_id: str, count: int) -> int | None:
    if strategy.hit(item, "cop-disclosure", client_id, cost=count):
        return None
    reset = strategy.get_window_stats(item, "cop-disclosure", client_id).reset_time
    return max(1, int(reset - time.time()))
