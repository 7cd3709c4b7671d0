"""A seeded holder directory and a COP client whose requesting-PSP BIC is registered."""

from __future__ import annotations

import pytest

from tests.cop.conftest import bank_owner, seeded  # noqa: F401 - fixtures
from tests.cop.test_api import REQUESTING_BIC, register_requesting_psp


@pytest.fixture
def app_settings():
    # small enough that a 413 costs nothing to provoke
    return {"MAX_CONTENT_LENGTH": 64 * 1024}


@pytest.fixture
def tpp(app, make_tpp, seeded):  # noqa: F811
    tpp = make_tpp(roles=("COP",), name="Conformance TPP", alg="PS256")
    register_requesting_psp(app, REQUESTING_BIC, tpp.client_id)
    return tpp
