"""examples/obcurl.py makes a DPoP-bound call to a live server, as the README shows."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from cop.demo import seed_directory
from tests.auth.test_example_client import live_server  # noqa: F401 - fixture

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _obcurl():
    sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location("obcurl", EXAMPLES / "obcurl.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _payments_app_calls(server, capsys, *request, scope="payee-checks") -> tuple[int, str]:
    """Run obcurl as the demo payment app against the live server: (exit code, output)."""
    base, demo = server
    code = _obcurl().main(["--server", base, "--clients-file", str(demo / "clients.json"),
                           "--client", "payments", "--scope", scope, *request])
    return code, capsys.readouterr().out


def _seed_directory(app) -> None:
    with app.extensions["session_factory"]() as session:
        seed_directory(app, session)


def test_payee_check_through_obcurl(live_server, app, capsys):  # noqa: F811
    _seed_directory(app)
    code, out = _payments_app_calls(
        live_server, capsys, "POST", "/cop/v1/name-verifications",
        '{"Data": {"SchemeName": "SortCodeAccountNumber", "AccountType": "Personal",'
        ' "Identification": "04000412345678", "Name": "J Smith"}}')
    assert code == 0, out
    assert "\nHTTP 200 OK\n" in "\n" + out
    assert '"ReasonCode": "MBAM"' in out


def test_wrong_scope_is_refused_by_the_server(live_server, capsys):  # noqa: F811
    code, out = _payments_app_calls(live_server, capsys, "POST", "/cop/v1/name-verifications",
                                    '{"Data": {}}', scope="status")
    assert code == 1
    assert "\nHTTP 403 FORBIDDEN\n" in "\n" + out
    assert "insufficient-scope" in out or "insufficient_scope" in out


def test_eu_payee_check_through_obcurl_as_documented(live_server, app, capsys):  # noqa: F811
    """docs/payee-checks.md's EU VoP call: the demo payment app names the requesting-PSP BIC
    the demo registered for it."""
    import datetime as dt
    import uuid

    _seed_directory(app)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.123Z")
    code, out = _payments_app_calls(
        live_server, capsys,
        "-H", f"X-Request-ID: {uuid.uuid4()}", "-H", f"X-Request-Timestamp: {stamp}",
        "POST", "/vop/v1/payee-verifications",
        '{"party": {"name": "Jurgen Muler"}, "partyAccount": {"iban": "DE89370400440532013000"},'
        ' "partyAgent": {"financialInstitutionId": {"bicfi": "BSPLDEFFXXX"}},'
        ' "requestingAgent": {"financialInstitutionId": {"bicfi": "BNPAFRPPXXX"}}}')
    assert code == 0, out
    assert "\nHTTP 200 OK\n" in "\n" + out
    assert '"partyNameMatch": "CMTC"' in out


def test_signed_payee_check_through_obcurl(live_server, app, capsys):  # noqa: F811
    """`--sign`: the request carries x-jws-signature, accepted even when the client's
    registration requires signing, and the answer's signature verifies against /jwks."""
    import json

    from auth import registry

    _seed_directory(app)
    client_id = json.loads((live_server[1] / "clients.json").read_text())["payments"][
        "client_id"]
    with app.extensions["session_factory"]() as session, session.begin():
        registry.set_message_signing(session, client_id, True)
    body = ('{"Data": {"SchemeName": "SortCodeAccountNumber", "AccountType": "Personal",'
            ' "Identification": "04000412345678", "Name": "John Smith"}}')
    code, out = _payments_app_calls(live_server, capsys, "POST", "/cop/v1/name-verifications",
                                    body)
    assert code == 1 and "UK.OBIE.Signature.Missing" in out
    code, out = _payments_app_calls(live_server, capsys, "--sign", "POST",
                                    "/cop/v1/name-verifications", body)
    assert code == 0, out
    assert '"Matched": true' in out
    assert "x-jws-signature: verified (PS256" in out


def test_eu_check_by_lei_through_obcurl_as_documented(live_server, app, capsys):  # noqa: F811
    """docs/payee-checks.md's VoP call by organisation id: the demo business's LEI."""
    import datetime as dt
    import uuid

    _seed_directory(app)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.123Z")
    code, out = _payments_app_calls(
        live_server, capsys,
        "-H", f"X-Request-ID: {uuid.uuid4()}", "-H", f"X-Request-Timestamp: {stamp}",
        "POST", "/vop/v1/payee-verifications",
        '{"party": {"identification": {"organisationId": {"lei": "529900HNOAA1KXQJUQ27"}}},'
        ' "partyAccount": {"iban": "DE62370400440532013001"},'
        ' "partyAgent": {"financialInstitutionId": {"bicfi": "BSPLDEFFXXX"}},'
        ' "requestingAgent": {"financialInstitutionId": {"bicfi": "BNPAFRPPXXX"}}}')
    assert code == 0, out
    assert '"partyIdMatch": "MTCH"' in out
