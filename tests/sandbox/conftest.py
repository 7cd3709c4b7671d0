import pytest
from flask import Flask

from aggregation.registry import BankRegistry
from sandbox import mount
from sandbox.trust import sandbox_banks


@pytest.fixture
def registry(tmp_path):
    registry = BankRegistry.load(issuer="http://localhost", base_dir=tmp_path)
    registry.ensure_sandbox_keys()
    return registry


@pytest.fixture
def bank_app(registry):
    app = Flask("sandbox-tests")
    app.extensions["states"] = mount(app, sandbox_banks(registry.sandbox_clients()))
    return app


@pytest.fixture
def client(bank_app):
    return bank_app.test_client()


@pytest.fixture
def states(bank_app):
    return bank_app.extensions["states"]
