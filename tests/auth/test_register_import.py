"""A register import that withdraws a TPP cuts it off on its next call, in every worker: its
tokens revoked, an audit event, the operator's webhook, no new token; a registration is checked
at once against the registers."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from auth import identity_webhook
from auth.identity_models import TppIdentityEvent
from core.app import create_app
from tests.auth.eidas_helpers import Pki, register, tpp_for, tpp_key
from tests.auth.test_registers import eba_entity, eba_file, fca_line

SHARED = ("DATABASE_URL", "REDIS_URL", "ISSUER", "SIGNING_KEYS_DIR", "TESTING",
          "EIDAS_TRUST_ANCHORS", "SOFTWARE_STATEMENT_ISSUER", "SOFTWARE_STATEMENT_JWKS")


@pytest.fixture
def pki(tmp_path):
    return Pki(tmp_path)


@pytest.fixture
def app_settings(pki):
    return pki.settings()


@pytest.fixture
def eidas_app(app, pki):
    pki.install(app)
    return app


@pytest.fixture
def worker_b(eidas_app, pki):
    other = create_app({key: eidas_app.config[key] for key in SHARED})
    pki.install(other)
    if not eidas_app.config["REDIS_URL"]:
        # one server's threads share the embedded store, as workers share Redis
        other.extensions["redis"] = eidas_app.extensions["redis"]
        other.extensions["auth"].redis = eidas_app.extensions["redis"]
    yield other
    other.extensions["engine"].dispose()


def registered_tpp(app, pki, roles=("PSP_AI", "PSP_PI"), statement_roles=("AISP", "PISP")):
    key, qwac = tpp_key(), pki.qwac(roles)
    resp = register(app, {"software_statement": pki.statement(statement_roles, tpp_key=key)},
                    qwac)
    assert resp.status_code == 201, resp.get_json()
    return tpp_for(app, resp.get_json(), key, qwac), resp


def run_import(app, path, content: bytes):
    path.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["registers", "import", str(path)])
    assert result.exit_code == 0, result.output
    return result.output


def fca_register(tmp_path, app, *lines):
    return run_import(app, tmp_path / "fca.jsonl", b"".join(lines))


def test_withdrawn_tpp_is_cut_off_on_its_next_call_in_every_worker(eidas_app, worker_b, pki,
                                                                   tmp_path):
    tpp_a, _ = registered_tpp(eidas_app, pki)
    token = tpp_a.token("status")
    tpp_b = tpp_for(worker_b, {"client_id": tpp_a.client_id, "client_name": tpp_a.name,
                               "roles": list(tpp_a.roles)}, tpp_a.key, tpp_a.cert)
    tpp_b.dpop_key = tpp_a.dpop_key  # the same TPP, its calls spread over two workers
    assert tpp_b.request("GET", "/tpp/client", token=token).status_code == 200

    output = fca_register(tmp_path, eidas_app,
                          fca_line("123456", "No longer authorised",
                                   ("Account Information Services",
                                    "Payment Initiation Services")))
    assert f"cut off\t{tpp_a.client_id}" in output

    assert tpp_b.request("GET", "/tpp/client", token=token).status_code == 401
    refused = tpp_b.post_form("/token", {"grant_type": "client_credentials",
                                         **tpp_b.auth_form()})
    assert refused.status_code == 401 and "withdrawn" in refused.get_json()["error_description"]
    with eidas_app.extensions["session_factory"]() as session:
        kinds = [e.kind for e in session.scalars(select(TppIdentityEvent).order_by(
            TppIdentityEvent.id))]
    assert kinds == ["registered", "cut_off"]


def test_missing_role_cuts_off_and_reimport_is_idempotent(eidas_app, pki, tmp_path):
    tpp, _ = registered_tpp(eidas_app, pki)
    line = fca_line("123456", "Authorised", ("Payment Initiation Services",))
    assert "cut off 1 TPP" in fca_register(tmp_path, eidas_app, line)
    assert "cut off 0 TPP" in fca_register(tmp_path, eidas_app, line)
    status = eidas_app.test_cli_runner().invoke(args=["registers", "status"]).output
    assert "last import\tfca" in status
    assert f"cut off\t{tpp.client_id}\tPSDGB-FCA-123456\tthe register does not authorise " \
           "PSDGB-FCA-123456 for PSP_AI" in status


def test_reinstated_when_the_register_authorises_again(eidas_app, pki, tmp_path):
    tpp, _ = registered_tpp(eidas_app, pki)
    fca_register(tmp_path, eidas_app, fca_line("123456", "Cancelled"))
    output = fca_register(tmp_path, eidas_app, fca_line(
        "123456", "Authorised", ("Account Information Services", "Payment Initiation Services")))
    assert "reinstated 1" in output
    assert tpp.token_response("status")["scope"] == "status"


def test_registration_is_checked_at_once(eidas_app, pki, tmp_path):
    fca_register(tmp_path, eidas_app, fca_line("123456", "Authorised",
                                               ("Payment Initiation Services",)))
    key = tpp_key()
    resp = register(eidas_app, {"software_statement": pki.statement(tpp_key=key)}, pki.qwac())
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "unapproved_software_statement"
    assert "does not authorise PSDGB-FCA-123456 for PSP_AI" in resp.get_json()[
        "error_description"]


def test_eba_register_covers_other_authorities_only(eidas_app, pki, tmp_path):
    tpp, _ = registered_tpp(eidas_app, pki)
    output = run_import(eidas_app, tmp_path / "eba.json",
                        eba_file(eba_entity("1", dates=("2018-01-01", "2020-01-01"))))
    assert "DE-BAFIN" in output and "cut off 0" in output
    status = eidas_app.test_cli_runner().invoke(args=["registers", "status"]).output
    assert f"unverified\t{tpp.client_id}" in status


def test_status_before_any_import(eidas_app):
    output = eidas_app.test_cli_runner().invoke(args=["registers", "status"]).output
    assert "no register imported yet" in output


def test_a_broken_file_is_refused_and_changes_nothing(eidas_app, tmp_path):
    (tmp_path / "bad.json").write_text("[[{]]")
    result = eidas_app.test_cli_runner().invoke(args=["registers", "import",
                                                      str(tmp_path / "bad.json")])
    assert result.exit_code != 0 and "is not a eba register file" in result.output
    status = eidas_app.test_cli_runner().invoke(args=["registers", "status"]).output
    assert "no register imported yet" in status


def test_operator_webhook_receives_the_events(eidas_app, pki, tmp_path):
    tpp, _ = registered_tpp(eidas_app, pki)
    fca_register(tmp_path, eidas_app, fca_line("123456", "Cancelled"))
    posted = []
    with eidas_app.extensions["session_factory"]() as session:
        assert identity_webhook.deliver(session, "https://ops.example/hook",
                                        lambda url, body: posted.append(body)) == 2
        assert identity_webhook.deliver(session, "https://ops.example/hook",
                                        lambda url, body: posted.append(body)) == 0
    assert [p["type"] for p in posted] == ["tpp.registered", "tpp.cut_off"]
    assert posted[1]["client_id"] == tpp.client_id
    assert json.dumps(posted)  # JSON-serialisable as sent


def test_only_the_roles_a_tpp_uses_here_are_asked_of_the_register(eidas_app, pki, tmp_path):
    # certificate and statement also name PSP_IC, which grants nothing here
    tpp, _ = registered_tpp(eidas_app, pki, roles=("PSP_PI", "PSP_IC"),
                            statement_roles=("PISP", "CBPII"))
    output = fca_register(tmp_path, eidas_app, fca_line("123456", "Authorised",
                                                        ("Payment Initiation Services",)))
    assert "cut off 0" in output
    assert tpp.token_response("payee-checks")["scope"] == "payee-checks"


def test_token_registration_with_a_qwac_is_judged_on_the_tokens_roles(eidas_app, pki,
                                                                        tmp_path):
    token = eidas_app.test_cli_runner().invoke(
        args=["tpp", "issue-registration-token", "--roles", "COP"]).output.strip()
    key = tpp_key()
    resp = register(eidas_app, {"client_name": "Token TPP", "redirect_uris": [
        "https://tpp.example/cb"], "jwks": {"keys": [key.as_dict(private=False)]}},
        pki.qwac(("PSP_AI", "PSP_PI")), token=token)
    assert resp.status_code == 201 and resp.get_json()["roles"] == ["COP"]
    output = fca_register(tmp_path, eidas_app, fca_line("123456", "Authorised",
                                                        ("Payment Initiation Services",)))
    assert "cut off 0" in output


def test_token_roles_beyond_the_qwac_are_refused(eidas_app, pki):
    token = eidas_app.test_cli_runner().invoke(
        args=["tpp", "issue-registration-token", "--roles", "AISP"]).output.strip()
    resp = register(eidas_app, {"client_name": "Token TPP", "redirect_uris": [
        "https://tpp.example/cb"], "jwks": {"keys": [tpp_key().as_dict(private=False)]}},
        pki.qwac(("PSP_PI",)), token=token)
    assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_client_metadata"


def status_output(app, *args) -> str:
    result = app.test_cli_runner().invoke(args=["registers", "status", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_status_says_once_what_unverified_means_and_how_to_fix_it(eidas_app, pki):
    tpp, _ = registered_tpp(eidas_app, pki)
    lines = status_output(eidas_app).splitlines()
    explained = [line for line in lines if line.startswith("unverified:")]
    assert len(explained) == 1
    assert "keep working" in explained[0] and "registers import FILE" in explained[0]
    assert f"unverified\t{tpp.client_id}\tPSDGB-FCA-123456\tno import covers GB-FCA" in lines


def test_status_lists_qwacs_expiring_within_30_days_until_renewed(eidas_app, pki):
    soon = dt.datetime.now(dt.UTC) + dt.timedelta(days=10)
    key, qwac = tpp_key(), pki.qwac(not_after=soon)
    resp = register(eidas_app, {"software_statement": pki.statement(tpp_key=key)}, qwac)
    assert resp.status_code == 201, resp.get_json()
    client_id = resp.get_json()["client_id"]
    expected = (f"certificate expiring\t{client_id}\t{qwac.subject.rfc4514_string()}\t"
                f"serial {qwac.serial_number:x}\tnot after "
                f"{qwac.not_valid_after_utc.isoformat()}")
    assert expected in status_output(eidas_app).splitlines()
    assert "certificate expiring" not in status_output(eidas_app, "--expiring-within", "5")

    renewed = pki.qwac()  # a year; the TPP authenticates with it
    tpp = tpp_for(eidas_app, resp.get_json(), key, renewed)
    assert tpp.token_response("status")["scope"] == "status"
    assert "certificate expiring" not in status_output(eidas_app)
    assert "certificate expiring" in status_output(eidas_app, "--expiring-within", "400")
