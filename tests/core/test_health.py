"""Liveness, readiness naming what is down, and Prometheus metrics."""

from __future__ import annotations


def test_healthz(client):
    resp = client.get("/healthz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok"}


def test_readyz_ok(client):
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json()["checks"] == {"database": "ok", "redis": "ok"}


def test_readyz_names_what_is_down(app, monkeypatch):
    class DeadRedis:
        def ping(self):
            raise ConnectionError("refused")

    monkeypatch.setitem(app.extensions, "redis", DeadRedis())
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.mimetype == "application/problem+json"
    assert resp.headers["Retry-After"] == "5"
    body = resp.get_json()
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("unreachable")
    assert "redis" in body["detail"]


def test_readyz_reports_unreachable_database(database_url, redis_url, tmp_path):
    from core.app import create_app

    app = create_app({
        "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none",
        "REDIS_URL": redis_url,
        "SIGNING_KEYS_DIR": str(tmp_path / "keys"),
        # a test app: no background workers, which would poll the dead database for the rest
        # of the run and print into other tests' captured output
        "TESTING": True,
    })
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    body = resp.get_json()
    assert body["checks"]["database"].startswith("unreachable")
    # the cause, not only the exception class: which server, and what to do
    assert "PostgreSQL at 127.0.0.1:1 is not reachable" in body["checks"]["database"]
    assert "PostgreSQL at 127.0.0.1:1 is not reachable" in body["detail"]


def test_metrics_count_requests_by_endpoint_and_status(client):
    client.get("/healthz")
    client.get("/nope")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'http_requests_total{endpoint="/healthz",method="GET",status="200"} 1.0' in text
    assert 'endpoint="<unmatched>",method="GET",status="404"' in text
    assert "http_request_duration_seconds_bucket" in text
