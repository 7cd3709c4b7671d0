"""The HTTP API with real DPoP-bound tokens: operators publish notices (role STATUS_ADMIN),
any TPP subscribes to webhooks (scope `status`), anyone reads notices and the summary."""

from __future__ import annotations

import pytest

from status import delivery, signing
from tests.status.conftest import T0

PROBLEM = "application/problem+json"
WINDOW = {"starts_at": "2026-11-22T01:00:00Z", "ends_at": "2026-11-22T03:00:00Z"}


@pytest.fixture
def operator(make_tpp, clock):
    return make_tpp(roles=("STATUS_ADMIN",), name="Ops desk")


@pytest.fixture
def tpp(make_tpp, clock):
    return make_tpp(roles=("AISP",), name="Budget App")


def admin(operator, method, path, json=None):
    return operator.request(method, path, scope="status-admin", json=json)


def schedule(operator, **overrides):
    body = {"kind": "planned", "title": "Alpha upgrade", "severity": "critical",
            "banks": ["alpha-bank"], "body": "Reads served from cache.", **WINDOW, **overrides}
    return admin(operator, "POST", "/status/v1/notices", body)


def test_operator_runs_a_notice_through_its_lifecycle(operator, client):
    resp = schedule(operator)
    assert resp.status_code == 201, resp.get_json()
    notice = resp.get_json()
    assert (notice["status"], notice["starts_at"], notice["banks"]) == (
        "scheduled", "2026-11-22T01:00:00Z", ["alpha-bank"])
    assert notice["links"]["self"] == f"http://localhost/status/v1/notices/{notice['id']}"
    base = f"/status/v1/notices/{notice['id']}"
    resp = admin(operator, "POST", f"{base}/updates", {"body": "Confirmed by the bank."})
    assert resp.status_code == 201 and len(resp.get_json()["updates"]) == 2
    resp = admin(operator, "PATCH", base, {"ends_at": "2026-11-22T04:00:00Z"})
    assert resp.status_code == 200 and resp.get_json()["ends_at"] == "2026-11-22T04:00:00Z"
    resp = admin(operator, "POST", f"{base}/start", {"at": "2026-11-22T01:02:00Z"})
    assert resp.status_code == 200 and resp.get_json()["started_at"] == "2026-11-22T01:02:00Z"
    resp = admin(operator, "POST", f"{base}/complete", {"message": "Done early."})
    assert resp.get_json()["status"] == "completed"
    assert resp.get_json()["updates"][-1]["body"] == "Done early."
    public = client.get(base)
    assert public.status_code == 200 and public.get_json()["status"] == "completed"


@pytest.mark.parametrize("overrides,slug,field", [
    ({"ends_at": "2026-11-22T00:00:00Z"}, "notice-window-invalid", "ends_at"),
    ({"banks": ["zeta-bank"]}, "unknown-component", "banks"),
    ({"components": ["payments"], "banks": []}, "unknown-component", "components"),
    ({"starts_at": "2026-11-01T00:00:00Z"}, "notice-window-invalid", "starts_at"),
    ({"ends_at": None}, "notice-window-invalid", "ends_at"),
])
def test_bad_notices_get_precise_problems(operator, overrides, slug, field):
    resp = schedule(operator, **overrides)
    body = resp.get_json()
    assert resp.status_code == 422 and resp.mimetype == PROBLEM, body
    assert body["type"] == f"/problems/{slug}" and body["field"] == field
    assert body["interaction_id"] == resp.headers["x-fapi-interaction-id"]


def test_naive_times_and_unknown_fields_are_refused(operator):
    resp = schedule(operator, starts_at="2026-11-22T01:00:00")
    assert resp.status_code == 422 and "starts_at" in str(resp.get_json()["errors"])
    assert schedule(operator, colour="red").status_code == 422


def test_closed_and_illegal_transitions_are_409(operator):
    notice = schedule(operator).get_json()
    base = f"/status/v1/notices/{notice['id']}"
    resp = admin(operator, "POST", f"{base}/complete", {})
    body = resp.get_json()
    assert resp.status_code == 409 and body["type"] == "/problems/notice-transition-invalid"
    assert body["allowed"] == ["cancelled", "in_progress"]
    assert admin(operator, "POST", f"{base}/cancel", {}).status_code == 200
    resp = admin(operator, "PATCH", base, {"title": "Changed"})
    assert resp.status_code == 409 and resp.get_json()["type"] == "/problems/notice-closed"
    resp = admin(operator, "POST", f"{base}/updates", {"body": "x"})
    assert resp.get_json()["current_status"] == "cancelled"
    assert admin(operator, "POST", "/status/v1/notices/ntc_nope/start", {}).status_code == 404


def test_operator_endpoints_need_the_role_and_scope(tpp, client):
    resp = client.post("/status/v1/notices", json={})
    assert resp.status_code == 401 and "WWW-Authenticate" in resp.headers
    resp = tpp.request("POST", "/status/v1/notices", scope="status", json={})
    assert resp.status_code == 403 and resp.get_json()["type"] == "/problems/insufficient-scope"


def test_public_reads_need_no_token_and_page(operator, client):
    for i in range(3):
        schedule(operator, title=f"Work {i}", banks=["beta-bank"] if i else ["alpha-bank"])
    resp = client.get("/status/v1/notices?bank=beta-bank&page_size=1")
    body = resp.get_json()
    assert resp.status_code == 200 and body["meta"] == {"total": 2, "page": 1, "page_size": 1,
                                                        "pages": 2}
    assert body["links"]["next"].endswith("bank=beta-bank&page_size=1&page=2")
    assert body["links"]["prev"] is None
    nxt = client.get(body["links"]["next"].removeprefix("http://localhost")).get_json()
    assert len(nxt["data"]) == 1 and nxt["links"]["next"] is None
    assert client.get("/status/v1/notices?from=2026-11-23T00:00:00Z").get_json()["data"] == []
    assert client.get("/status/v1/notices?component=nope").status_code == 422
    # a page number past any real listing (SQLite's OFFSET overflowed on one) is refused
    assert client.get(f"/status/v1/notices?page={2**63}").status_code == 422


def test_summary_is_statuspage_shaped(operator, client, clock):
    schedule(operator)
    admin(operator, "POST", "/status/v1/notices", {
        "kind": "unplanned", "title": "Token errors", "severity": "major",
        "components": ["auth"]})
    body = client.get("/status/v1/summary").get_json()
    assert body["status"] == {"indicator": "major", "description": "Partial outage"}
    states = {c["id"]: c["status"] for c in body["components"]}
    assert states == {"auth": "partial_outage", "accounts": "operational",
                      "payee-checks": "operational", "alpha-bank": "operational",
                      "beta-bank": "operational"}
    assert [n["title"] for n in body["incidents"]] == ["Token errors"]
    assert [n["title"] for n in body["scheduled_maintenances"]] == ["Alpha upgrade"]
    clock.now = T0.replace(day=22, hour=2)
    states = {c["id"]: c["status"] for c in client.get("/status/v1/summary").get_json()[
        "components"]}
    assert states["alpha-bank"] == "under_maintenance"


def test_tpp_subscribes_and_lists_deliveries(app, operator, tpp, receiver, clock):
    resp = tpp.request("POST", "/status/v1/subscriptions", scope="status", json={
        "url": receiver.url, "events": ["notice.scheduled", "bank.unavailable"]})
    assert resp.status_code == 201, resp.get_json()
    sub = resp.get_json()
    assert sub["secret"].startswith("whsec_")
    listed = tpp.request("GET", "/status/v1/subscriptions", scope="status").get_json()
    assert [s["id"] for s in listed["data"]] == [sub["id"]] and "secret" not in listed["data"][0]
    schedule(operator)
    delivery.run_once(app.extensions["status"])
    [got] = receiver.received
    assert signing.verify(sub["secret"], got.headers, got.body)
    resp = tpp.request("GET", f"/status/v1/subscriptions/{sub['id']}/deliveries",
                       scope="status")
    [row] = resp.get_json()["data"]
    assert (row["event_type"], row["status"], row["attempts"], row["last_status_code"]) == (
        "notice.scheduled", "delivered", 1, 204)
    assert row["event_id"] == got.headers["webhook-id"]
    # Another TPP sees nothing of it.
    assert operator.request("GET", f"/status/v1/subscriptions/{sub['id']}",
                            scope="status").status_code == 404
    assert tpp.request("DELETE", f"/status/v1/subscriptions/{sub['id']}",
                       scope="status").status_code == 204
    assert tpp.request("GET", "/status/v1/subscriptions", scope="status").get_json() == {
        "data": []}


@pytest.mark.parametrize("body,slug", [
    ({"url": "http://tpp.example/hook", "events": ["notice.started"]}, "webhook-url-invalid"),
    ({"url": "https://tpp.example/hook", "events": ["notice.exploded"]}, "unknown-event-type"),
    ({"url": "https://tpp.example/hook", "events": []}, "unknown-event-type"),
])
def test_bad_subscriptions(tpp, body, slug):
    resp = tpp.request("POST", "/status/v1/subscriptions", scope="status", json=body)
    assert resp.status_code == 422 and resp.get_json()["type"] == f"/problems/{slug}"


def test_subscriptions_need_a_token(client):
    assert client.get("/status/v1/subscriptions").status_code == 401


@pytest.mark.parametrize("path", ["/status/v1/notices", "/status/v1/availability"])
@pytest.mark.parametrize(("query", "field", "listed"), [
    ({"bank": "nowhere"}, "bank", "alpha-bank"),
    ({"component": "nowhere"}, "component", "payee-checks"),
])
def test_unknown_ids_in_filters_are_a_422_listing_the_valid_ones(client, path, query, field,
                                                                  listed):
    resp = client.get(path, query_string=query)
    assert resp.status_code == 422
    body = resp.get_json()
    assert body["type"] == "/problems/unknown-component"
    assert body["field"] == field and body["unknown"] == ["nowhere"]
    assert listed in body["known"] and listed in body["detail"]


def test_availability_answer_has_the_documented_from_field(client):
    body = client.get("/status/v1/availability",
                      query_string={"from": "2026-11-01", "to": "2026-11-19"}).get_json()
    assert body["from"] == "2026-11-01" and body["to"] == "2026-11-19"
