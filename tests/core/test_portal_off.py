"""Production settings: with DEMO_DATA off the console documents but cannot sign anyone in."""

import pytest


@pytest.fixture
def app_settings():
    return {"DEMO_DATA": False, "SANDBOX_BANKS_ENABLED": False}


def test_the_demo_sign_in_does_not_exist_without_demo_data(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert 'data-config-url="/docs/portal/config.json"' in page.get_data(as_text=True)
    assert client.get("/docs/portal/config.json").status_code == 404
    assert client.post("/docs/portal/token", data={"login": "payments"}).status_code == 404
    assert client.post("/docs/portal/token", data={"login": "budgeting"}).status_code == 404


def test_no_demo_customer_consent_is_offered_without_demo_data(app):
    assert "portal.consent_authoriser" not in app.extensions
