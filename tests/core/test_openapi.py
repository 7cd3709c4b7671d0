"""The committed OpenAPI document matches the code; the portal is served from local files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import marshmallow as ma
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from click.testing import CliRunner

from core.apidoc import decimal_as_string

COMMITTED = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def test_committed_spec_matches_generated(app):
    served = app.test_client().get("/openapi.json").get_json()
    committed = json.loads(COMMITTED.read_text())
    assert served == committed, (
        "openapi/openapi.json is stale: run `flask --app wsgi openapi write openapi/openapi.json`"
    )


def test_openapi_write_command(app, tmp_path):
    out = tmp_path / "spec.json"
    result = CliRunner().invoke(app.cli, ["openapi", "write", str(out)], obj=None)
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["openapi"] == "3.1.0"


def test_errors_documented_as_problem_json(app):
    spec = app.test_client().get("/openapi.json").get_json()
    default = spec["components"]["responses"].get("DEFAULT_ERROR")
    if default is not None:
        assert "application/problem+json" in default["content"]


def test_docs_portal_is_served_locally(client):
    page = client.get("/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the portal page references its assets"
    assert not re.search(r"<script(?![^>]*\ssrc=)|<style|\sstyle=", html), "inline code"
    for asset in assets:
        assert not asset.startswith(("http://", "https://", "//")), f"CDN asset: {asset}"
        if asset.startswith("data:"):  # inline (the empty icon), nothing to fetch
            continue
        resp = client.get(asset)
        assert resp.status_code == 200, asset
    bundle = client.get("/docs/assets/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert len(bundle.get_data()) > 500_000


def test_amounts_sent_as_strings_are_documented_as_strings(app):
    """Money is a Decimal sent as a string; a client validating answers against the document
    refused every amount while the document called it a number."""
    schemas = app.test_client().get("/openapi.json").get_json()["components"]["schemas"]
    for schema, member in (("Amount", "Amount"), ("CurrencyTotal", "Available"),
                           ("CurrencyTotal", "CreditLines")):
        assert schemas[schema]["properties"][member]["type"] == "string", (schema, member)
        assert schemas[schema]["properties"][member]["format"] == "decimal"


def test_a_nullable_decimal_string_stays_nullable():
    plugin = MarshmallowPlugin()
    APISpec("t", "1", "3.1.0", plugins=[plugin])
    plugin.converter.add_attribute_function(decimal_as_string)
    converted = plugin.converter.field2property(ma.fields.Decimal(as_string=True,
                                                                  allow_none=True))
    assert converted["type"] == ["string", "null"]
    assert plugin.converter.field2property(ma.fields.Decimal())["type"] == "number"
