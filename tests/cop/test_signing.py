"""Detached JWS of UK CoP messages (`x-jws-signature`): the pure signer and verifier."""

from __future__ import annotations

import base64
import json
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc import jwk
from joserfc.jws import JWSRegistry

from cop import signing
from cop.signing import IAT, ISS, TAN, Expectations, SignatureRefused

RSA = jwk.RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
EC = jwk.ECKey.generate_key("P-256", parameters={"kid": "ec-1"})
KEYS = jwk.KeySet([jwk.import_key(k.as_dict(private=False)) for k in (RSA, EC)])
BODY = b'{"Data":{"Name":"John Smith"}}'
# The refusal cases are built at import; they are checked against the clock of that moment, so
# a slow run does not age their signatures.
NOW = time.time()


def expect(now=NOW, issuer="client-1", anchors=("openbanking.org.uk",)):
    return Expectations(issuer, frozenset(anchors), now, 300)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict, body: bytes = BODY, key=RSA, alg="PS256") -> str:
    """A signature with an arbitrary header, to test each refusal."""
    protected = b64(json.dumps(header).encode())
    data = signing.signing_input(protected, body, header)
    raw = JWSRegistry(algorithms=[alg]).get_alg(alg).sign(data, key)
    return f"{protected}..{b64(raw)}"


def header(**changes):
    base = {"alg": "PS256", "kid": "rsa-1", IAT: int(NOW), ISS: "client-1",
            TAN: "openbanking.org.uk", "b64": False, "crit": ["b64", IAT, ISS, TAN]}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def test_signed_and_verified_with_b64_false():
    value = signing.sign(BODY, RSA, kid="rsa-1", issuer="client-1",
                         trust_anchor="openbanking.org.uk", now=NOW)
    protected, payload, _ = value.split(".")
    assert payload == ""
    head = json.loads(base64.urlsafe_b64decode(protected + "=="))
    assert head["alg"] == "PS256" and head["b64"] is False
    assert set(head["crit"]) == {"b64", IAT, ISS, TAN}
    assert signing.verify(value, BODY, KEYS, expect())["kid"] == "rsa-1"


def test_an_answer_signed_again_within_its_second_reuses_a_signature_that_verifies():
    def sign(body=BODY, key=RSA, now=NOW):
        return signing.sign(body, key, kid="rsa-1", issuer="client-1",
                            trust_anchor="openbanking.org.uk", now=now)

    first = sign()
    assert sign() == first  # the same bytes, the same second: one RSA operation
    later, other_body = sign(now=NOW + 1), sign(b'{"Data":{}}')
    assert later != first and other_body != first
    for value, body in ((first, BODY), (later, BODY), (other_body, b'{"Data":{}}')):
        assert signing.verify(value, body, KEYS, expect())
    # another key under the same kid never gets this key's signature
    impostor = jwk.RSAKey.generate_key(2048, parameters={"kid": "rsa-1"})
    with pytest.raises(SignatureRefused):
        signing.verify(sign(key=impostor), BODY, KEYS, expect())


def test_the_encoded_payload_form_of_ob_v3_1_4_is_accepted():
    value = forge(header(b64=None, crit=[IAT, ISS, TAN]))
    assert signing.verify(value, BODY, KEYS, expect())


def test_es256_keys_verify_too():
    value = forge(header(alg="ES256", kid="ec-1"), key=EC, alg="ES256")
    assert signing.verify(value, BODY, KEYS, expect())


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=200))
def test_any_other_body_is_refused(other):
    value = signing.sign(BODY, RSA, kid="rsa-1", issuer="client-1",
                         trust_anchor="openbanking.org.uk", now=NOW)
    if other != BODY:
        with pytest.raises(SignatureRefused) as refused:
            signing.verify(value, other, KEYS, expect())
        assert refused.value.code == signing.INVALID


@given(st.text(max_size=300))
def test_any_header_value_is_refused_with_an_ob_code_never_an_exception(value):
    with pytest.raises(SignatureRefused) as refused:
        signing.verify(value, BODY, KEYS, expect())
    assert refused.value.code.startswith("UK.OBIE.Signature.")


@pytest.mark.parametrize(("value", "code"), [
    (None, signing.MISSING),
    ("", signing.MISSING),
    ("abc", signing.MALFORMED),
    ("a.b.c", signing.MALFORMED),
    (f"{b64(b'[1]')}..{b64(b'x')}", signing.MALFORMED),
    (forge(header(alg="RS256"), alg="RS256"), signing.INVALID_CLAIM),
    (forge(header(kid=None)), signing.MISSING_CLAIM),
    (forge(header(**{TAN: None})), signing.MISSING_CLAIM),
    (forge(header(crit=[IAT, ISS, TAN])), signing.INVALID_CLAIM),  # b64 sent, not critical
    (forge(header(crit=["b64", IAT, ISS, TAN, "exp"])), signing.INVALID_CLAIM),
    (forge(header(b64=True)), signing.INVALID_CLAIM),
    (forge(header(**{IAT: "yesterday"})), signing.INVALID_CLAIM),
    (forge(header(**{IAT: int(NOW) + 3600})), signing.INVALID_CLAIM),
    (forge(header(**{IAT: int(NOW) - 3600})), signing.INVALID_CLAIM),
    (forge(header(**{ISS: "someone-else"})), signing.INVALID_CLAIM),
    (forge(header(**{TAN: "evil.example"})), signing.INVALID_CLAIM),
    (forge(header(kid="unknown")), signing.INVALID),
    (forge(header(kid="ec-1")), signing.INVALID),  # a PS256 header naming an EC key
    (forge(header(), key=jwk.RSAKey.generate_key(2048)), signing.INVALID),
])
def test_each_refusal_has_its_ob_code(value, code):
    with pytest.raises(SignatureRefused) as refused:
        signing.verify(value, BODY, KEYS, expect())
    assert refused.value.code == code
    assert refused.value.message
