"""Without Redis each worker keeps its own revocation markers: a TPP that a register import
(another process) cuts off is refused on its next call in every worker all the same, through
the client's token epoch in the database."""

from __future__ import annotations

import pytest
import redis

from auth import revocation
from auth.jose import peek
from core.app import create_app
from tests.auth.eidas_helpers import Pki, tpp_for
from tests.auth.test_register_import import SHARED, fca_register, registered_tpp
from tests.auth.test_registers import fca_line

BOTH = ("Account Information Services", "Payment Initiation Services")


@pytest.fixture
def pki(tmp_path):
    return Pki(tmp_path)


@pytest.fixture
def app_settings(pki):
    return {**pki.settings(), "REDIS_URL": ""}  # embedded store, whatever the run uses


@pytest.fixture
def eidas_app(app, pki):
    pki.install(app)
    return app


def worker(eidas_app, pki):
    """Another worker on the same database, with its own embedded store (no shared Redis)."""
    other = create_app({key: eidas_app.config[key] for key in SHARED})
    pki.install(other)
    assert not other.extensions["auth"].revocations.shared
    return other


@pytest.fixture
def workers(eidas_app, pki):
    made = [worker(eidas_app, pki) for _ in range(2)]
    yield made
    for other in made:
        other.extensions["engine"].dispose()


def same_tpp(app, tpp):
    twin = tpp_for(app, {"client_id": tpp.client_id, "client_name": tpp.name,
                         "roles": list(tpp.roles)}, tpp.key, tpp.cert)
    twin.dpop_key = tpp.dpop_key
    return twin


def test_cut_off_in_another_process_holds_on_the_next_call_without_redis(
        eidas_app, workers, pki, tmp_path):
    worker_b, importer = workers
    tpp_a, _ = registered_tpp(eidas_app, pki)
    token = tpp_a.token("status")
    assert "epoch" not in peek(token)[1]
    tpp_b = same_tpp(worker_b, tpp_a)
    for _ in range(2):  # the second call is answered from worker B's own markers
        assert tpp_b.request("GET", "/tpp/client", token=token).status_code == 200

    output = fca_register(tmp_path, importer, fca_line("123456", "Cancelled"))
    assert f"cut off\t{tpp_a.client_id}" in output

    for tpp in (tpp_b, tpp_a):  # neither store holds a marker the importer wrote
        refused = tpp.request("GET", "/tpp/client", token=token)
        assert refused.status_code == 401
        assert "revoked" in refused.headers["WWW-Authenticate"]


def test_tokens_after_reinstatement_carry_the_new_epoch_and_work(eidas_app, workers, pki,
                                                                  tmp_path):
    worker_b, importer = workers
    tpp_a, _ = registered_tpp(eidas_app, pki)
    old = tpp_a.token("status")
    fca_register(tmp_path, importer, fca_line("123456", "Cancelled"))
    fca_register(tmp_path, importer, fca_line("123456", "Authorised", BOTH))
    new = tpp_a.token("status")
    assert peek(new)[1]["epoch"] == 1
    tpp_b = same_tpp(worker_b, tpp_a)
    assert tpp_b.request("GET", "/tpp/client", token=new).status_code == 200
    assert tpp_b.request("GET", "/tpp/client", token=old).status_code == 401


def test_a_second_cut_off_raises_the_epoch_again(session):
    with session.begin():
        assert revocation.raise_client_epoch(session, "c-1") == 1
    with session.begin():
        assert revocation.raise_client_epoch(session, "c-1") == 2
    assert revocation.client_epoch(session, "c-1") == 2
    assert revocation.client_epoch(session, "c-2") == 0


@pytest.mark.parametrize("carried, refused", [(None, True), (1, True), (2, False), (3, False),
                                              ("2", True), (True, True)])
def test_epoch_claim_is_compared_with_the_clients(session, carried, refused):
    with session.begin():
        revocation.raise_client_epoch(session, "c-1")
        revocation.raise_client_epoch(session, "c-1")
    claims = {"client_id": "c-1"} if carried is None else {"client_id": "c-1",
                                                           "epoch": carried}
    assert revocation.epoch_refuses(session, claims) is refused


def test_settle_waits_for_deferred_markers():
    broken = redis.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.05,
                         socket_timeout=0.05)
    markers = revocation.Markers(broken, 300)
    assert markers.settle(0.01)
    markers.mark({"revoked:jti:x": 60})
    assert not markers.settle(0.2)
