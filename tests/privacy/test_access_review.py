"""`flask access review`: every client with roles, scopes, last use and certificate expiry,
dormant access flagged, and what changed since the stored previous review; CSV and JSON."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from auth.models import IssuedToken, TppClient
from core.db import utcnow

NOW = utcnow()
EXPIRY = dt.datetime(2027, 6, 30, 12, 0, tzinfo=dt.UTC)


def _cert_jwks() -> dict:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tpp.example")])
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1)
            .not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(EXPIRY)
            .sign(key, hashes.SHA256()))
    der = cert.public_bytes(serialization.Encoding.DER)
    return {"keys": [{"kty": "EC", "x5c": [base64.b64encode(der).decode()]}]}


def _client(session, client_id: str, roles: list[str], *, age_days: int = 1, jwks=None):
    session.add(TppClient(client_id=client_id, name=client_id.title(), roles=roles, jwks=jwks,
                          token_endpoint_auth_method="private_key_jwt",
                          created_at=NOW - dt.timedelta(days=age_days)))


def _review(app, fmt: str) -> str:
    result = app.test_cli_runner().invoke(args=["access", "review", "--format", fmt])
    assert result.exit_code == 0, result.output
    return result.output


def test_review_lists_access_flags_dormant_and_reports_changes(app, session):
    with session.begin():
        _client(session, "budget-app", ["AISP"], age_days=300, jwks=_cert_jwks())
        _client(session, "status-ops", ["STATUS_ADMIN"], age_days=300)
        _client(session, "old-cop", ["COP"], age_days=300)
        session.add(IssuedToken(id="t1", kind="access", client_id="budget-app", scope="accounts",
                                grant_id="g", issued_at=NOW - dt.timedelta(days=2),
                                expires_at=NOW - dt.timedelta(days=2) + dt.timedelta(minutes=5)))

    first = {r["id"]: r for r in json.loads(_review(app, "json"))["rows"]}
    assert first["budget-app"]["kind"] == "tpp_client"
    assert first["budget-app"]["scopes"] == "accounts status"
    assert first["budget-app"]["cert_expiry"] == "2027-06-30T12:00:00+00:00"
    assert first["budget-app"]["last_used"] is not None and not first["budget-app"]["dormant"]
    assert first["status-ops"]["kind"] == "operator"
    assert first["old-cop"]["dormant"] and first["old-cop"]["last_used"] is None
    assert {r["change"] for r in first.values()} == {"first review"}

    with session.begin():
        session.get(TppClient, "old-cop").roles = ["COP", "AISP"]
        session.delete(session.get(TppClient, "status-ops"))
        _client(session, "new-app", ["AISP"])
    rows = list(csv.DictReader(io.StringIO(_review(app, "csv"))))
    changes = {r["id"]: r["change"] for r in rows}
    assert changes == {"budget-app": "", "old-cop": "roles changed (was COP)",
                       "new-app": "added", "status-ops": "removed"}
    assert {r["id"]: r["dormant"] for r in rows}["old-cop"] == "True"
    text = _review(app, "text")
    assert "DORMANT" in text and "previous: 20" in text


def test_review_lists_open_registration_tokens_and_people_acting_for_businesses(app, session):
    from auth.psu import create_psu
    from auth.registry import issue_registration_token, redeem_registration_token
    from consent.business_service import create_business, set_member

    with session.begin():
        issue_registration_token(session, ["COP"])
        used = issue_registration_token(session, ["AISP"])
        ava, ben = create_psu(session, "ava", "pw"), create_psu(session, "ben", "pw")
    with session.begin():
        redeem_registration_token(session, used).used_at = NOW
    business = create_business(session, "Acme Ltd")
    set_member(session, business, ben.id, "administrator")
    set_member(session, business, ava.id, "viewer", max_consent_days=30)
    set_member(session, business, "no-such-psu", "viewer")

    rows = json.loads(_review(app, "json"))["rows"]
    tokens = [r for r in rows if r["kind"] == "registration_token"]
    assert [(r["roles"], r["scopes"], r["dormant"]) for r in tokens] == [
        ("COP", "payee-checks status", False)]
    people = [(r["id"], r["name"], r["roles"]) for r in rows if r["kind"] == "business_user"]
    assert people == [(f"{business}/ava", "Acme Ltd", "viewer max 30d"),
                      (f"{business}/ben", "Acme Ltd", "administrator")]
