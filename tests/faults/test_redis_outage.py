"""Redis stopped, then started again.

What must hold while it is down: consent reads keep answering for certificate-bound clients
(nothing of theirs needs Redis); DPoP-bound calls fail closed — 503 with Retry-After, because
a replay cache that cannot answer must not wave proofs through; payee checks keep answering
with rate limits in their per-process safe mode; `/readyz` says Redis is down. When Redis is
back, the same app recovers on its own within 5 s.
"""

from __future__ import annotations

import pytest

from tests.faults.conftest import start_redis, stop_redis, wait_until
from tests.hardening.flows import CONSENTS, consent_body

RECOVERY_SECONDS = 5


def payee_check(app, make_tpp):
    """A COP client with an mTLS-bound token, and a call that checks one payee."""
    directory = pytest.importorskip("cop.directory")
    with app.extensions["session_factory"]() as session:
        directory.register_bank(session, name="Fault Bank", bic="FALTGB2LXXX",
                                owner_client_id="aspsp-x", sort_code_ranges=[("040004",
                                                                              "040004")])
        account = directory.parse_account({"sort_code": "040004", "account_number": "12345678",
                                           "holder_type": "personal",
                                           "holder_names": ["John Andrew Smith"]})
        directory.upsert_accounts(session, None, [(0, account)], bank_bic="FALTGB2LXXX")
    tpp = make_tpp(roles=("COP",), binding="mtls", name="Payments TPP")
    tpp.token("payee-checks")
    body = {"Data": {"SchemeName": "SortCodeAccountNumber", "AccountType": "Personal",
                     "Identification": "04000412345678", "Name": "John Smith"}}
    return lambda: tpp.request("POST", "/cop/v1/name-verifications", scope="payee-checks",
                               json=body)


def test_redis_outage_and_recovery(app, make_tpp, real_redis):
    mtls = make_tpp(roles=("AISP",), binding="mtls", name="Certificate TPP")
    dpop = make_tpp(roles=("AISP",), name="DPoP TPP")
    mtls_consent = mtls.request("POST", CONSENTS, scope="accounts",
                                json=consent_body()).get_json()["Data"]["ConsentId"]
    dpop_consent = dpop.request("POST", CONSENTS, scope="accounts",
                                json=consent_body()).get_json()["Data"]["ConsentId"]
    check = payee_check(app, make_tpp)
    assert check().status_code == 200

    stop_redis()
    try:
        read = mtls.request("GET", f"{CONSENTS}/{mtls_consent}", scope="accounts")
        assert read.status_code == 200, read.get_json()

        refused = dpop.request("GET", f"{CONSENTS}/{dpop_consent}", scope="accounts")
        assert refused.status_code == 503, refused.get_json()
        assert refused.headers.get("Retry-After")
        assert refused.mimetype == "application/json"  # the OB dialect: OBErrorResponse1
        assert refused.get_json()["Errors"]

        for _ in range(3):  # the limiter falls back to per-process memory: no 5xx
            answered = check()
            assert answered.status_code == 200, answered.get_json()

        ready = app.test_client().get("/readyz")
        assert ready.status_code == 503
        assert "redis" in ready.get_data(as_text=True)
    finally:
        start_redis(real_redis)

    def dpop_works():
        return dpop.request("GET", f"{CONSENTS}/{dpop_consent}",
                            scope="accounts").status_code == 200

    ok, took = wait_until(dpop_works, RECOVERY_SECONDS, step=0.25)
    assert ok, f"DPoP calls did not recover within {RECOVERY_SECONDS}s of Redis returning"
    assert app.test_client().get("/readyz").status_code == 200
    print(f"\nrecovered in {took:.2f}s")
