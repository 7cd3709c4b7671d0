"""The topology suite's fixture: nginx and two instances (stack.py) on the run's test
PostgreSQL and Redis.

Opt-in (`RUN_TOPOLOGY_TESTS=1`; CI sets it on the PostgreSQL + Redis leg) because it starts
real servers, and it needs nginx and a real PostgreSQL and Redis: two instances share state
only through them.
"""

from __future__ import annotations

import pytest
import redis
from sqlalchemy import create_engine

from tests import targets
from tests.conftest import empty_tables
from tests.topology.stack import running, skip_unless_opted_in

# the settings the tests lean on: a small payee-check limit to count across instances, small
# batches becoming jobs, and a short lease so a job whose instance died is resumed quickly
SETTINGS = {"COP_RATE_LIMIT": "10/hour", "COP_BULK_SYNC_MAX": "50",
            "COP_BULK_JOB_LEASE_SECONDS": "2"}


@pytest.fixture(scope="package")
def topology(database_url, redis_url, tmp_path_factory):
    skip_unless_opted_in()
    if not database_url.startswith("postgresql") or not redis_url:
        pytest.skip("two instances share state through PostgreSQL and Redis: run with "
                    "TEST_DATABASE_URL=postgresql+psycopg://… and TEST_REDIS_URL=redis://…")
    targets.flush(redis.Redis.from_url(redis_url))
    try:
        with running(tmp_path_factory.mktemp("topology"), database_url, redis_url,
                     SETTINGS) as top:
            yield top
    finally:
        engine = create_engine(database_url)
        empty_tables(engine)
        engine.dispose()
        targets.flush(redis.Redis.from_url(redis_url))
