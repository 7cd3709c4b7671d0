"""DPoP `htu` on paths with percent-encoded ids (found by the fuzz run).

A client signs the URL it sends (`…/account-access-consents/pk_%25%28x%29s`); the server
sees the path decoded. Both must be compared in one canonical spelling, or every id that needs an
escape is refused with `invalid_dpop_proof` although the proof is right.
"""

from __future__ import annotations

import pytest

from auth.dpop import normalize_url

AIS = "/open-banking/v4.0/aisp"  # the OB v4.0 AIS base path

IDS = ["pk_%25%28table_name%29s", "s%C3%B3m", "a%20b", "a%3Fb", "a%23b", "plain-id"]


@pytest.mark.parametrize("encoded", IDS)
def test_proof_for_encoded_path_is_accepted(make_tpp, encoded):
    tpp = make_tpp(roles=("AISP",))
    token = tpp.token("accounts")
    path = f"{AIS}/account-access-consents/{encoded}"
    answer = tpp.client.get(path, headers={
        "Authorization": f"DPoP {token}", "DPoP": tpp.dpop_proof("GET", path, token)})
    # Past the DPoP check: an unknown ConsentId (OB v4.0: 400 with U011).
    assert answer.status_code == 400, answer.get_json()
    assert answer.get_json()["Errors"][0]["ErrorCode"] == "U011"


def test_normalisation_keeps_distinct_paths_distinct():
    # RFC 3986 §6.2.2.2: an encoded reserved character is data, not its delimiter
    assert normalize_url("http://h/a%2Fb") != normalize_url("http://h/a/b")
    assert normalize_url("http://h/a%28b") != normalize_url("http://h/a(b")
    assert normalize_url("http://h/a%C3%B3") == normalize_url("http://h/aó")
    assert normalize_url("http://h/ab") != normalize_url("http://h/a%20b")


def test_encoded_slash_proof_does_not_verify_for_the_decoded_path(make_tpp):
    tpp = make_tpp(roles=("AISP",))
    token = tpp.token("status")
    answer = tpp.client.get("/tpp/client", headers={
        "Authorization": f"DPoP {token}", "DPoP": tpp.dpop_proof("GET", "/tpp%2Fclient", token)})
    assert answer.status_code == 401
    assert 'error="invalid_dpop_proof"' in answer.headers["WWW-Authenticate"]
    assert "htu" in answer.get_json()["detail"]
    fine = tpp.client.get("/tpp/client", headers={
        "Authorization": f"DPoP {token}", "DPoP": tpp.dpop_proof("GET", "/tpp/client", token)})
    assert fine.status_code == 200, fine.get_json()
