"""The aggregation package inside the main app: registry in `app.extensions["banks"]`, sandbox
banks under `/sandbox/<bank>/` (and not in the OpenAPI document), and the README's "done when":
a seeded PSU taken through consent at all three banks via their connectors, over real HTTP to
the main app, reading normalised balances from each."""

from __future__ import annotations

from decimal import Decimal

import pytest

import core.app
from aggregation.connectors.base import BankAccess
from aggregation.domain import BalanceType, Money
from sandbox.server import serve
from tests.aggregation.live import PSU_IP, take_through_consent


class LateApp:
    """A WSGI app bound to a port before the real app exists (its ISSUER needs the port)."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def make_app(database_url, tmp_path, **settings):
    packages = core.app.FEATURE_PACKAGES
    if "aggregation" not in packages:
        packages = (*packages, "aggregation")
    original = core.app.FEATURE_PACKAGES
    core.app.FEATURE_PACKAGES = packages
    try:
        return core.app.create_app({"DATABASE_URL": database_url, "ISSUER": "http://localhost",
                                    "SIGNING_KEYS_DIR": str(tmp_path / "keys"),
                                    "TESTING": True, **settings})
    finally:
        core.app.FEATURE_PACKAGES = original


@pytest.fixture
def main_app(database_url, tmp_path):
    app = make_app(database_url, tmp_path)
    yield app
    app.extensions["banks"].close()
    app.extensions["engine"].dispose()


def test_sandboxes_mounted_in_the_main_app(main_app):
    client = main_app.test_client()
    assert main_app.extensions["banks"].ids() == ["northgate", "thamesmoor", "rheinfeld"]
    for bank in ("northgate", "thamesmoor", "rheinfeld"):
        meta = client.get(f"/sandbox/{bank}/.well-known/openid-configuration")
        assert meta.status_code == 200
        assert meta.json["token_endpoint"] == f"http://localhost/sandbox/{bank}/oauth/token"
        assert meta.headers["x-fapi-interaction-id"]
    spec = client.get("/openapi.json").get_data(as_text=True)
    assert "/sandbox/" not in spec


def test_sandboxes_off(database_url, tmp_path):
    app = make_app(database_url, tmp_path, SANDBOX_BANKS_ENABLED=False)
    assert app.test_client().get("/sandbox/northgate/.well-known/openid-configuration"
                                 ).status_code == 404
    assert app.extensions["banks"].ids()  # the registry is still there
    app.extensions["engine"].dispose()


def test_cli_groups_registered(main_app):
    runner = main_app.test_cli_runner()
    assert "thamesmoor" in runner.invoke(args=["banks", "list"]).output
    assert "rheinfeld" in runner.invoke(args=["sandbox", "list"]).output


def test_done_when_one_psu_three_banks(database_url, tmp_path):
    late = LateApp()
    with serve(late) as base_url:
        late.app = make_app(database_url, tmp_path, ISSUER=base_url)
        registry = late.app.extensions["banks"]
        seen = {}
        for bank_id in registry.ids():
            connector = registry.connector(bank_id)
            alice = take_through_consent(connector, "alice")
            access = BankAccess(alice.consent.consent_id, alice.tokens.access_token)
            for account in connector.list_accounts(access, psu_present=True, psu_ip=PSU_IP):
                for balance in connector.read_balances(access, account.account_id,
                                                       psu_present=True, psu_ip=PSU_IP):
                    seen[(bank_id, account.account_id, balance.type)] = balance.amount
        registry.close()
        late.app.extensions["engine"].dispose()
    assert seen[("northgate", "ng-1001", BalanceType.INTERIM_AVAILABLE)] == \
        Money(Decimal("1234.56"), "GBP")
    assert seen[("northgate", "ng-1002", BalanceType.INTERIM_AVAILABLE)].currency == "USD"
    assert seen[("thamesmoor", "tm-1001", BalanceType.CLOSING_BOOKED)] == \
        Money(Decimal("10000.00"), "GBP")
    assert seen[("rheinfeld", "rf-1001", BalanceType.INTERIM_AVAILABLE)] == \
        Money(Decimal("2345.67"), "EUR")
    assert {bank for bank, _, _ in seen} == {"northgate", "thamesmoor", "rheinfeld"}


def test_walkthrough_example(database_url, tmp_path, capsys):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "examples" / "connectors_walkthrough.py"
    spec = importlib.util.spec_from_file_location("connectors_walkthrough", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    late = LateApp()
    with serve(late) as base_url:
        late.app = make_app(database_url, tmp_path, ISSUER=base_url)
        assert example.main(["--base-url", base_url, "--psu", "bob"]) == 0
        late.app.extensions["banks"].close()
        late.app.extensions["engine"].dispose()
    printed = capsys.readouterr().out
    assert "-150.25 GBP" in printed and "-42.10 EUR" in printed and "0.00 GBP" in printed
