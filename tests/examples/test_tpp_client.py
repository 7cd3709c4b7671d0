"""examples/tpp_client.py and examples/obcurl.py as a developer runs them: what they print
on success (per-bank status and totals) and one line, exit 1, no stack, on each mistake."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from aggregation.settings import SETTINGS as AGGREGATION_SETTINGS
from tests.consent.live import PSU_PASSWORD, free_port, live_settings, load_example, serving

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
sys.path.insert(0, str(EXAMPLES))

import obcurl  # noqa: E402


@pytest.fixture
def port():
    return free_port()


@pytest.fixture
def app_settings(port, tmp_path):
    return live_settings(port, tmp_path)


@pytest.fixture
def live(app, port):
    with serving(app, port):
        yield f"http://127.0.0.1:{port}", Path(app.config["DEMO_DIR"])


def _main(module, argv, capsys) -> tuple[int, str, str]:
    code = module.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def _one_line_error(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    return lines[0]


def test_consent_run_prints_per_bank_status_and_totals(live, capsys):
    base, demo = live
    code, out, err = _main(load_example(), [
        "--server", base, "--demo-dir", str(demo), "--consent", "--psu", "carol",
        "--password", PSU_PASSWORD, "--banks", "thamesmoor,rheinfeld", "--keep"], capsys)
    assert code == 0, out + err
    assert "  bank thamesmoor: ok (source live" in out
    assert "  bank rheinfeld: ok (source live" in out
    totals = [line for line in out.splitlines() if line.startswith("  total ")]
    assert totals and all("available" in line and "account(s)" in line for line in totals)


def test_wrong_psu_password_is_one_line(live, capsys):
    base, demo = live
    code, out, err = _main(load_example(), [
        "--server", base, "--demo-dir", str(demo), "--consent", "--psu", "carol",
        "--password", "not-her-password"], capsys)
    assert code == 1
    line = _one_line_error(err)
    assert line.startswith("error: PSU carol could not sign in: ")


def test_wrong_bank_password_is_one_line(live, capsys):
    base, demo = live
    code, out, err = _main(load_example(), [
        "--server", base, "--demo-dir", str(demo), "--consent", "--psu", "carol",
        "--password", PSU_PASSWORD, "--banks", "thamesmoor", "--bank-password", "nope"], capsys)
    assert code == 1
    line = _one_line_error(err)
    assert "carol could not sign in at thamesmoor" in line and "--bank-password" in line


def test_wrong_psu_password_in_code_flow_is_one_line(live, capsys):
    base, demo = live
    code, _, err = _main(load_example(), ["--server", base, "--demo-dir", str(demo),
                                          "--psu", "carol", "--password", "nope"], capsys)
    assert code == 1
    assert _one_line_error(err).startswith("error: PSU carol could not sign in")


def test_obcurl_wrong_scope_shows_the_oauth_error(live, capsys):
    base, demo = live
    code, out, err = _main(obcurl, [
        "--server", base, "--clients-file", str(demo / "clients.json"), "--client",
        "payments", "--scope", "accounts", "GET", "/tpp/client"], capsys)
    assert code == 1
    line = _one_line_error(err)
    assert line.startswith("error: token for scope 'accounts': HTTP 400 invalid_scope: ")


def test_obcurl_malformed_json_is_refused_before_any_call(capsys, tmp_path):
    clients = tmp_path / "clients.json"
    clients.write_text(json.dumps({"payments": {}}))
    code, out, err = _main(obcurl, ["--server", "http://127.0.0.1:9", "--clients-file",
                                    str(clients), "POST", "/cop/v1/name-verifications",
                                    '{"Data": {'], capsys)
    assert code == 1
    assert _one_line_error(err).startswith("error: the body is not valid JSON: ")


def test_unreachable_server_says_where_it_looked(capsys, tmp_path):
    clients = tmp_path / "clients.json"
    clients.write_text(json.dumps({"payments": {"key": str(tmp_path / "k.pem")}}))
    (tmp_path / "k.pem").write_bytes(_ec_pem())
    port = free_port()
    code, _, err = _main(obcurl, ["--server", f"http://127.0.0.1:{port}", "--clients-file",
                                  str(clients), "GET", "/tpp/client"], capsys)
    assert code == 1
    line = _one_line_error(err)
    assert f"cannot reach http://127.0.0.1:{port}/" in line and "make run" in line


def test_missing_demo_clients_say_run_make_run(capsys, tmp_path):
    code, _, err = _main(obcurl, ["--clients-file", str(tmp_path / "none.json"),
                                  "GET", "/tpp/client"], capsys)
    assert code == 1
    assert "make run" in _one_line_error(err)


def _ec_pem() -> bytes:
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())



def test_first_transactions_read_outwaits_the_servers_bank_deadline():
    """The first read syncs every bank for up to AGGREGATION_TRANSACTIONS_DEADLINE_SECONDS and
    then stores what came; a client giving up at its usual 10 s reports a read that succeeds
    as "cannot reach the server"."""
    waited = []

    class Recording:
        def call(self, path, access_token, **options):
            waited.append(options.get("timeout"))
            return SimpleNamespace(status_code=503)

    assert load_example().read_transactions(Recording(), "token", out=lambda _line: None) == 503
    deadline = AGGREGATION_SETTINGS["AGGREGATION_TRANSACTIONS_DEADLINE_SECONDS"][0]
    assert waited and waited[0] >= 3 * deadline
