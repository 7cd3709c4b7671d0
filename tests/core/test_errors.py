"""Every error is problem+json with a stable type, the interaction id and its headers kept."""

from __future__ import annotations

import uuid

import marshmallow as ma
import pytest
from flask.views import MethodView
from flask_smorest import Blueprint

from core.dialects import PROBLEM_JSON
from core.errors import Problem
from core.ratelimit import limiter
from core.web import json_only


class ThingSchema(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=10))
    amount = ma.fields.Decimal(required=True, as_string=True)


def _probe_blueprint() -> Blueprint:
    blp = Blueprint("probe", __name__, url_prefix="/probe")
    json_only(blp)

    @blp.route("/things")
    class Things(MethodView):
        @blp.arguments(ThingSchema)
        @blp.response(201, ThingSchema)
        def post(self, body):
            return body

    @blp.route("/boom")
    class Boom(MethodView):
        def get(self):
            raise RuntimeError("secret internals /etc/passwd")

    @blp.route("/limited")
    class Limited(MethodView):
        @limiter.limit("2/minute")
        def get(self):
            return {"ok": True}

    @blp.route("/teapot")
    class Teapot(MethodView):
        def get(self):
            raise Problem("No coffee.", slug="conflict", headers={"Retry-After": "7"}, code="X1")

    return blp


@pytest.fixture
def probe_client(app):
    app.extensions["api"].register_blueprint(_probe_blueprint())
    return app.test_client()


def assert_problem(resp, status: int, slug: str):
    assert resp.status_code == status
    assert resp.mimetype == PROBLEM_JSON
    body = resp.get_json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert body["interaction_id"] == resp.headers["x-fapi-interaction-id"]
    return body


def test_unknown_path_is_problem_404(client):
    assert_problem(client.get("/no/such/path"), 404, "not-found")


def test_405_keeps_allow_header(client):
    resp = client.post("/healthz")
    assert_problem(resp, 405, "method-not-allowed")
    assert "GET" in resp.headers["Allow"]


def test_415_for_non_json_body(probe_client):
    resp = probe_client.post("/probe/things", data="name=x", content_type="text/plain")
    assert_problem(resp, 415, "unsupported-media-type")


def test_422_has_field_level_messages(probe_client):
    resp = probe_client.post("/probe/things", json={"name": "", "amount": "abc"})
    body = assert_problem(resp, 422, "validation-error")
    fields = body["errors"]["json"]
    assert set(fields) == {"name", "amount"}


def test_valid_body_round_trips_decimal_exactly(probe_client):
    resp = probe_client.post("/probe/things", json={"name": "x", "amount": "0.10"})
    assert resp.status_code == 201
    assert resp.get_json()["amount"] == "0.10"


def test_500_never_leaks_internals(probe_client):
    resp = probe_client.get("/probe/boom")
    body = assert_problem(resp, 500, "internal-error")
    assert "passwd" not in resp.get_data(as_text=True)
    assert "Traceback" not in resp.get_data(as_text=True)
    assert set(body) == {"type", "title", "status", "detail", "interaction_id"}


def test_429_has_retry_after(probe_client):
    first = probe_client.get("/probe/limited")
    assert first.status_code == 200
    assert "Retry-After" not in first.headers
    assert first.headers["X-RateLimit-Remaining"] == "1"
    assert probe_client.get("/probe/limited").status_code == 200
    resp = probe_client.get("/probe/limited")
    assert_problem(resp, 429, "rate-limited")
    assert int(resp.headers["Retry-After"]) >= 1


def test_domain_problem_keeps_headers_and_extra_members(probe_client):
    resp = probe_client.get("/probe/teapot")
    body = assert_problem(resp, 409, "conflict")
    assert resp.headers["Retry-After"] == "7"
    assert body["code"] == "X1"


def test_interaction_id_echoed_when_valid(client):
    sent = str(uuid.uuid4())
    resp = client.get("/healthz", headers={"x-fapi-interaction-id": sent})
    assert resp.headers["x-fapi-interaction-id"] == sent


@pytest.mark.parametrize("sent", ["not-a-uuid", "x" * 100, "' OR 1=1 --"])
def test_interaction_id_replaced_when_invalid(client, sent):
    resp = client.get("/no/such", headers={"x-fapi-interaction-id": sent})
    got = resp.headers["x-fapi-interaction-id"]
    assert got != sent
    uuid.UUID(got)
    assert resp.get_json()["interaction_id"] == got


def test_problem_types_are_documented(client):
    listed = client.get("/problems").get_json()["problem_types"]
    assert {"type": "/problems/not-found", "status": 404, "title": "Resource not found"} in listed
    assert client.get("/problems/not-found").status_code == 200
    assert_problem(client.get("/problems/nope"), 404, "not-found")
