"""A database that cannot be reached is a 503 to retry, not a 500 (found by the fault suite:
PostgreSQL restarting turned every request in flight into an `internal-error`)."""

from __future__ import annotations

from sqlalchemy.exc import OperationalError

AIS = "/open-banking/v4.0/aisp"  # the OB v4.0 AIS base path


def test_unreachable_database_is_503_with_retry_after(app, make_tpp, monkeypatch):
    tpp = make_tpp(roles=("AISP",))
    tpp.token("accounts")

    def down(*_args, **_kwargs):
        raise OperationalError("SELECT 1", {}, Exception("the database system is shutting down"))

    monkeypatch.setattr("auth.tokens.active_record", down)
    answer = tpp.request("GET", f"{AIS}/account-access-consents/aac-x", scope="accounts")
    assert answer.status_code == 503
    assert answer.mimetype == "application/json"  # OBErrorResponse1 on an OB path
    assert answer.headers["Retry-After"] == "2"
    assert answer.get_json()["Errors"][0]["ErrorCode"] == "U000"
