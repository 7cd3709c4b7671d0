"""Sandbox endpoints speak their standard even when refusing: OB `Errors[]` (401 and 429 with
headers only), Berlin Group `tppMessages[]`, interaction and request ids echoed."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

import pytest

from tests.aggregation import spec_schemas as spec

OB = "/sandbox/thamesmoor/open-banking/v4.0/aisp"
BG = "/sandbox/rheinfeld/v1"
SECRET = base64.b64encode(b"obhub-at-thamesmoor:thamesmoor-sandbox-secret").decode()


@pytest.fixture
def ob_token(client):
    response = client.post("/sandbox/thamesmoor/oauth/token",
                           data={"grant_type": "client_credentials"},
                           headers={"Authorization": f"Basic {SECRET}"})
    return response.json["access_token"]


def bg_headers(**extra) -> dict:
    return {"X-Request-ID": str(uuid.uuid4()), "PSU-IP-Address": "203.0.113.7", **extra}


def bg_body(**changes) -> dict:
    return {"access": {"balances": []}, "recurringIndicator": True, "validUntil": "9999-12-31",
            "frequencyPerDay": 4, "combinedServiceIndicator": False, **changes}


@pytest.mark.parametrize(("body", "code"), [
    ({"Data": {"Permissions": ["ReadEverything"]}, "Risk": {}}, "U002"),
    ({"Data": {"Permissions": []}, "Risk": {}}, "U002"),
    ({"Data": {"Permissions": ["ReadBalances"]}}, "U004"),
    ({"Data": {"Permissions": ["ReadBalances"], "ExpirationDateTime": "2001-01-01T00:00:00Z"},
      "Risk": {}}, "U003"),
])
def test_ob_consent_validation(client, ob_token, body, code):
    response = client.post(f"{OB}/account-access-consents", json=body,
                           headers={"Authorization": f"Bearer {ob_token}"})
    assert response.status_code == 400
    spec.assert_valid(response.json, spec.OB_ERROR)
    assert response.json["Errors"][0]["ErrorCode"] == code


def test_ob_401_has_no_body_but_a_challenge(client):
    interaction = str(uuid.uuid4())
    response = client.get(f"{OB}/accounts", headers={"Authorization": "Bearer nope",
                                                     "x-fapi-interaction-id": interaction})
    assert response.status_code == 401 and not response.data
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.headers["x-fapi-interaction-id"] == interaction


def test_ob_client_token_cannot_read_data(client, ob_token):
    assert client.get(f"{OB}/accounts",
                      headers={"Authorization": f"Bearer {ob_token}"}).status_code == 401


def test_ob_unknown_consent(client, ob_token):
    response = client.get(f"{OB}/account-access-consents/nope",
                          headers={"Authorization": f"Bearer {ob_token}"})
    assert response.status_code == 400 and response.json["Errors"][0]["ErrorCode"] == "U011"


def test_bg_needs_a_request_id(client):
    response = client.post(f"{BG}/consents", json=bg_body())
    assert response.status_code == 400
    spec.assert_valid(response.json, spec.BG_ERROR)
    assert response.json["tppMessages"][0]["code"] == "FORMAT_ERROR"


@pytest.mark.parametrize("body", [bg_body(access={}), bg_body(frequencyPerDay=0),
                                  bg_body(validUntil="2001-01-01"), bg_body(validUntil="soon"),
                                  bg_body(recurringIndicator="yes"), ["not", "an", "object"]])
def test_bg_consent_validation(client, body):
    response = client.post(f"{BG}/consents", json=body, headers=bg_headers())
    assert response.status_code == 400
    assert response.json["tppMessages"][0]["code"] == "FORMAT_ERROR"


def test_bg_consent_created_and_read(client):
    headers = bg_headers()
    created = client.post(f"{BG}/consents", json=bg_body(recurringIndicator=False),
                          headers=headers)
    assert created.status_code == 201 and created.headers["X-Request-ID"] == headers[
        "X-Request-ID"]
    spec.assert_valid(created.json, spec.BG_CONSENT_CREATED)
    assert created.json["_links"]["scaOAuth"]["href"].endswith("/.well-known/"
                                                               "oauth-authorization-server")
    consent = client.get(created.headers["Location"], headers=bg_headers()).json
    spec.assert_valid(consent, spec.BG_CONSENT)
    assert consent["frequencyPerDay"] == 1  # one-off access
    ceiling = dt.date.today() + dt.timedelta(days=181)
    assert dt.date.fromisoformat(consent["validUntil"]) <= ceiling  # "9999-12-31" adjusted
    status = client.get(f"{created.headers['Location']}/status", headers=bg_headers())
    assert status.json == {"consentStatus": "received"}


def test_bg_data_calls_need_consent_id_and_token(client):
    missing = client.get(f"{BG}/accounts", headers=bg_headers())
    assert missing.status_code == 400
    unknown = client.get(f"{BG}/accounts", headers=bg_headers(**{
        "Consent-ID": "x", "Authorization": "Bearer nope"}))
    assert unknown.status_code == 401 and unknown.json["tppMessages"][0]["code"] == \
        "TOKEN_UNKNOWN"
    assert client.get(f"{BG}/consents/nope", headers=bg_headers()).status_code == 403
