"""Admin calls: fault switches (validated), resets, revocation at the bank, admin token."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from flask import Flask

from sandbox import mount
from sandbox.faults import Faults
from sandbox.state import AUTHORISED, REVOKED_BY_PSU
from sandbox.trust import sandbox_banks

ADMIN = "/sandbox/northgate/admin"


def test_faults_set_read_and_reset(client, states):
    response = client.post(f"{ADMIN}/faults", json={"latency_ms": 5, "status_5xx": 503})
    assert response.status_code == 200
    assert response.json["latency_ms"] == 5 and response.json["status_5xx"] == 503
    assert client.get(f"{ADMIN}/faults").json["status_5xx"] == 503
    assert states["thamesmoor"].faults.status_5xx is None  # per bank
    assert client.post(f"{ADMIN}/faults/reset").json["status_5xx"] is None


@pytest.mark.parametrize("switches", [{"nonsense": True}, {"error_rate": 2}, {"latency_ms": -1},
                                      {"status_5xx": 404}, {"timeout": "yes"}, ["x"],
                                      {"hang_seconds": 0}])
def test_bad_switches_refused(client, switches):
    response = client.post(f"{ADMIN}/faults", json=switches)
    assert response.status_code == 400 and response.json["error"]


def test_faults_from_configuration(registry):
    banks = sandbox_banks(registry.sandbox_clients())
    banks[0].faults = {"rate_limit": True, "retry_after": 9}
    app = Flask("configured")
    states = mount(app, banks)
    assert states[banks[0].id].faults.rate_limit
    answer = app.test_client().post(f"/sandbox/{banks[0].id}/oauth/token")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "9"


def test_admin_is_never_faulted(client):
    client.post(f"{ADMIN}/faults", json={"status_5xx": 500, "malformed_json": True})
    assert client.get(f"{ADMIN}/faults").json["malformed_json"] is True


def test_reset_forgets_consents_and_revoke(client, states):
    state = states["northgate"]
    consent = state.add_consent(permissions=("ReadBalances",))
    state.set_status(consent, AUTHORISED)
    assert client.post(f"{ADMIN}/consents/{consent.id}/revoke").status_code == 200
    assert state.consents[consent.id].status == REVOKED_BY_PSU
    assert client.post(f"{ADMIN}/consents/unknown/revoke").status_code == 404
    client.post(f"{ADMIN}/reset")
    assert state.consents == {}


def test_admin_token(registry):
    app = Flask("guarded")
    mount(app, sandbox_banks(registry.sandbox_clients(), admin_token="s3cret"))
    client = app.test_client()
    assert client.get(f"{ADMIN}/faults").status_code == 401
    assert client.get(f"{ADMIN}/faults",
                      headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_every_fault_switch_the_docs_name_exists():
    """docs/sandbox-banks.md: the table and the example bodies name real switches, and every
    switch is in the table."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "sandbox-banks.md").read_text()
    section = doc[doc.index("### Fault switches"):]
    section = section[:section.index("\n### ", 5)]
    switches = {f.name for f in dataclasses.fields(Faults)}
    tabled = set(re.findall(r"^\| `(\w+)`(?: / `(\w+)`)?", section, re.M))
    tabled = {name for pair in tabled for name in pair if name}
    in_bodies = {key for body in re.findall(r"'(\{[^']*\})'", section)
                 for key in json.loads(body)}
    assert in_bodies and in_bodies <= switches, in_bodies - switches
    assert tabled <= switches, tabled - switches
    assert switches - {"hang_seconds", "retry_after"} <= tabled
