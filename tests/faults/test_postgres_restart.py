"""PostgreSQL restarted under a stream of consent writes.

Every write the API acknowledged (201) must be in the database afterwards; writes caught by the
restart must fail cleanly (503 OBErrorResponse1 with Retry-After, never a half-written consent); and
the same app — no restart of ours — answers again within 5 s of PostgreSQL being back.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import create_engine, text

from tests.faults.conftest import ensure_postgres, restart_postgres, wait_until
from tests.hardening.flows import CONSENTS, consent_body

RECOVERY_SECONDS = 5


def test_acknowledged_writes_survive_a_restart(app, make_tpp, real_postgres):
    tpp = make_tpp(roles=("AISP",))
    tpp.token("accounts")  # cached; the token endpoint is not what is under test
    acked: list[str] = []
    failures: list[tuple[int, str]] = []
    stop = threading.Event()

    def write_stream():
        while not stop.is_set():
            answer = tpp.request("POST", CONSENTS, scope="accounts", json=consent_body())
            if answer.status_code == 201:
                acked.append(answer.get_json()["Data"]["ConsentId"])
            else:
                failures.append((answer.status_code, answer.mimetype))
            time.sleep(0.01)

    writer = threading.Thread(target=write_stream, daemon=True)
    writer.start()
    try:
        time.sleep(1.0)
        restart_postgres()  # returns once the server accepts connections again
        before = len(acked)
        ok, recovered_in = wait_until(lambda: len(acked) > before, RECOVERY_SECONDS)
        time.sleep(0.5)
    finally:
        stop.set()
        writer.join(timeout=10)
        ensure_postgres()

    assert ok, f"no acknowledged write within {RECOVERY_SECONDS}s of PostgreSQL being back"
    print(f"\nrecovered in {recovered_in:.2f}s; {len(acked)} acknowledged, "
          f"{len(failures)} refused during the restart")
    assert acked, "no write was acknowledged at all"
    # consents are an OB API: its errors are OBErrorResponse1, application/json
    assert all(status == 503 and mimetype == "application/json"
               for status, mimetype in failures), sorted(set(failures))

    engine = create_engine(real_postgres)
    try:
        with engine.connect() as conn:
            stored = {row[0] for row in conn.execute(text(
                "SELECT id FROM consents WHERE id = ANY(:ids)"), {"ids": acked})}
    finally:
        engine.dispose()
    missing = set(acked) - stored
    assert not missing, f"{len(missing)} acknowledged consents lost: {sorted(missing)[:5]}"
