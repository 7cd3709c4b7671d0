import pytest

from tests.aggregation.live import running_sandbox


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    with running_sandbox(tmp_path_factory.mktemp("bank-keys")) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_banks(request):
    if "sandbox" in request.fixturenames:
        request.getfixturevalue("sandbox").reset()
    yield


@pytest.fixture
def rheinfeld(sandbox):
    """The sandbox's Berlin Group bank; its profile is put back after the test."""
    bank = sandbox.states["rheinfeld"].bank
    original = bank.bg_profile
    yield bank
    bank.bg_profile = original
