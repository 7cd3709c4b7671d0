"""Two workers, one consent: worker A revokes while worker B keeps reading with the PSU token.

Workers share nothing but the database (and Redis in production), so this runs two app
instances with their own engines and sessions. No read that started after the revoke was
acknowledged may succeed: revocation must hold from the next request in every worker, with no
cache of "this token was fine a moment ago". Not destructive, so it runs on every backend.
"""

from __future__ import annotations

import copy
import threading
import time

import pytest

from core.app import create_app
from tests.hardening.flows import CONSENTS, authorised_consent, install_bank

ROUNDS = 3
SHARED = ("DATABASE_URL", "REDIS_URL", "ISSUER", "SIGNING_KEYS_DIR", "TOKEN_ENCRYPTION_KEYS",
          "TESTING")


@pytest.fixture
def worker_b(app):
    other = create_app({key: app.config[key] for key in SHARED})
    if not app.config["REDIS_URL"]:
        # Workers share Redis (revocation markers, replay caches); on the embedded default the
        # in-process store plays that part, so worker B must see worker A's, as one server's
        # threads do. Two processes without Redis is not a supported deployment.
        other.extensions["redis"] = app.extensions["redis"]
        other.extensions["auth"].redis = app.extensions["redis"]
    yield other
    other.extensions["engine"].dispose()


def race(tpp_a, tpp_b, consent_id: str, psu_token: str) -> tuple[list, float]:
    reads: list[tuple[float, int]] = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            started = time.monotonic()
            status = tpp_b.request("GET", f"{CONSENTS}/{consent_id}",
                                   token=psu_token).status_code
            reads.append((started, status))

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    time.sleep(0.3)
    revoked = tpp_a.request("DELETE", f"{CONSENTS}/{consent_id}", scope="accounts")
    acknowledged = time.monotonic()
    assert revoked.status_code == 204
    time.sleep(0.3)
    stop.set()
    thread.join(timeout=10)
    return reads, acknowledged


def test_no_read_succeeds_after_the_revoke(app, worker_b, make_tpp, make_psu):
    install_bank(app)
    make_psu("alice")
    tpp_a = make_tpp(roles=("AISP",), name="Budget Buddy")
    for _ in range(ROUNDS):
        granted = authorised_consent(tpp_a, "alice")
        tpp_b = copy.copy(tpp_a)
        tpp_b.app, tpp_b.client, tpp_b._tokens = worker_b, worker_b.test_client(), {}
        reads, acknowledged = race(tpp_a, tpp_b, granted.consent_id, granted.psu_token)

        before = [status for started, status in reads if started < acknowledged]
        after = [status for started, status in reads if started > acknowledged]
        assert 200 in before, "worker B never read before the revoke: the race proved nothing"
        assert after, "worker B never read after the revoke"
        assert set(after) == {401}, f"reads after the revoke answered {sorted(set(after))}"
