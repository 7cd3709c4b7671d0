"""Property tests for outside input that tests/auth and tests/consent did not yet cover.

Already covered elsewhere (not repeated): random and mutated access tokens, DPoP proofs and
client assertions, random /token forms, random certificates, random /register bodies
(tests/auth/test_properties.py). Added here: consent request bodies (random JSON, mutated valid
bodies, any idempotency key), random /par forms, the interaction-id header, sealed bank tokens
(random or tampered ciphertext), and the key-configuration parser. Each must end in its
documented refusal, never a 5xx or an unexpected exception.
"""

from __future__ import annotations

import base64
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from consent.crypto import (
    DecryptionError,
    KeyConfigurationError,
    Sealed,
    generate_key_spec,
    parse_keys,
)
from tests.hardening.flows import CONSENTS, consent_body

SETTINGS = settings(max_examples=60, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])
header_text = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=15), inner,
                                                                 max_size=4),
    max_leaves=12)
FIELDS = ["Permissions", "ExpirationDateTime", "TransactionFromDateTime",
          "TransactionToDateTime"]


@pytest.fixture
def aisp(make_tpp):
    tpp = make_tpp(roles=("AISP",))
    tpp.token("accounts")
    return tpp


def assert_refused_or_created(answer):
    assert answer.status_code in (201, 400, 409, 415), answer.status_code
    if answer.status_code != 201:
        assert answer.mimetype == "application/json"
        assert answer.get_json()["Errors"]  # OBErrorResponse1


@SETTINGS
@given(body=json_values)
def test_random_json_consent_bodies(aisp, body):
    answer = aisp.request("POST", CONSENTS, scope="accounts", json=body)
    assert_refused_or_created(answer)
    if answer.status_code == 400:
        assert answer.get_json()["Errors"], "OB errors name what is wrong"


@SETTINGS
@given(field=st.sampled_from(FIELDS), value=json_values, key=st.none() | header_text)
def test_mutated_valid_consent_bodies(aisp, field, value, key):
    body = consent_body()
    body["Data"][field] = value
    headers = {"x-idempotency-key": key} if key else None
    assert_refused_or_created(aisp.request("POST", CONSENTS, scope="accounts", json=body,
                                           headers=headers))


@SETTINGS
@given(raw=st.binary(max_size=200), mimetype=st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded"]))
def test_raw_bytes_as_consent_body(aisp, raw, mimetype):
    token = aisp.token("accounts")
    answer = aisp.client.post(CONSENTS, data=raw, content_type=mimetype, headers={
        "Authorization": f"DPoP {token}", "DPoP": aisp.dpop_proof("POST", CONSENTS, token)})
    assert_refused_or_created(answer)


@SETTINGS
@given(form=st.dictionaries(st.sampled_from(
    ["response_type", "redirect_uri", "scope", "state", "code_challenge",
     "code_challenge_method", "authorization_details", "claims", "dpop_jkt", "request",
     "request_uri", "nonce"]), header_text, max_size=8))
def test_random_par_forms(aisp, form):
    answer = aisp.post_form("/par", {**form, **aisp.auth_form()})
    assert answer.status_code in (201, 400, 401), answer.status_code
    if answer.status_code != 201:
        assert answer.get_json()["error"] in ("invalid_request", "invalid_client",
                                              "invalid_scope", "invalid_redirect_uri",
                                              "unsupported_response_type",
                                              "invalid_dpop_proof",
                                              "invalid_authorization_details",
                                              "request_not_supported",
                                              "invalid_request_object")


@SETTINGS
@given(value=header_text)
def test_interaction_id_echoed_only_when_a_uuid(client, value):
    answer = client.get("/healthz", headers={"x-fapi-interaction-id": value})
    echoed = answer.headers["x-fapi-interaction-id"]
    assert answer.status_code == 200
    try:
        valid = uuid.UUID(value) is not None  # any spelling uuid.UUID accepts is echoed
    except ValueError:
        valid = False
    assert echoed == value if valid else (echoed != value and uuid.UUID(echoed))


CIPHER_SPEC = generate_key_spec("k1")


@settings(max_examples=200, deadline=None)
@given(key_id=st.sampled_from(["k1", "k2", ""]), blob=st.text(max_size=120),
       context=st.text(max_size=20))
def test_random_ciphertext_is_refused(key_id, blob, context):
    from consent.crypto import TokenCipher

    cipher = TokenCipher(*parse_keys(CIPHER_SPEC))
    with pytest.raises(DecryptionError):
        cipher.open(Sealed(key_id, blob), context)


@settings(max_examples=200, deadline=None)
@given(index=st.integers(0, 200), bit=st.integers(0, 7))
def test_tampered_ciphertext_is_refused(index, bit):
    from consent.crypto import TokenCipher

    cipher = TokenCipher(*parse_keys(CIPHER_SPEC))
    sealed = cipher.seal("bank-access-token", "consent:aac-1:alpha")
    raw = bytearray(base64.urlsafe_b64decode(sealed.ciphertext))
    raw[index % len(raw)] ^= 1 << bit
    tampered = Sealed(sealed.key_id, base64.urlsafe_b64encode(bytes(raw)).decode())
    with pytest.raises(DecryptionError):
        cipher.open(tampered, "consent:aac-1:alpha")


@settings(max_examples=200, deadline=None)
@given(spec=st.text(max_size=80))
def test_random_key_specs_are_refused_cleanly(spec):
    try:
        primary, keys = parse_keys(spec)
    except KeyConfigurationError:
        return
    assert primary in keys and all(len(k) in (16, 24, 32) for k in keys.values())
