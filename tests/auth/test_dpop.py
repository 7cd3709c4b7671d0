"""DPoP proof validation (RFC 9449) as a unit, with an explicit clock."""

from __future__ import annotations

import time

import fakeredis
import pytest
from joserfc import jwt

from auth import dpop
from tests.fixtures.auth import new_key, sign

URL = "https://api.example/accounts"


@pytest.fixture
def redis_client():
    return fakeredis.FakeRedis()


def proof(key=None, header=None, **claims):
    """A proof; `header` overrides (None removes a member), RS256 signed as asked."""
    key = key or new_key()
    alg = "ES256" if key.__class__.__name__ == "ECKey" else "PS256"
    body = {"jti": "jti-" + str(time.time_ns()), "htm": "GET", "htu": URL,
            "iat": int(time.time()), **claims}
    head = {"typ": "dpop+jwt", "jwk": key.as_dict(private=False), **(header or {})}
    head = {k: v for k, v in head.items() if v is not None}
    body = {k: v for k, v in body.items() if v is not None}
    if head.get("alg") == "RS256":
        return jwt.encode(head, body, key, algorithms=["RS256"])
    return sign(key, head, body, alg)


def verify(value, redis_client, **kw):
    return dpop.verify_proof(value, method=kw.pop("method", "GET"), url=kw.pop("url", URL),
                             redis_client=redis_client, **kw)


def test_valid_proof_gives_thumbprint(redis_client):
    key = new_key("PS256")
    assert verify(proof(key), redis_client).jkt == key.thumbprint()


@pytest.mark.parametrize("url", ["HTTPS://API.example:443/accounts", URL + "?x=1", URL + "#f"])
def test_htu_normalisation(redis_client, url):
    assert verify(proof(htu=url), redis_client)


@pytest.mark.parametrize("kwargs, message", [
    ({"header": {"typ": "JWT"}}, "typ"),
    ({"header": {"alg": "RS256"}, "key": new_key("PS256")}, "alg"),
    ({"header": {"jwk": None}}, "jwk"),
    ({"jti": None}, "jti"),
    ({"htm": "POST"}, "htm"),
    ({"htu": "https://api.example/other"}, "htu"),
    ({"iat": None}, "iat"),
    ({"iat": int(time.time()) - 3600}, "iat"),
])
def test_refusals(redis_client, kwargs, message):
    with pytest.raises(dpop.DpopError, match=message):
        verify(proof(**kwargs), redis_client)


def test_private_key_in_header_refused(redis_client):
    key = new_key()
    with pytest.raises(dpop.DpopError, match="public"):
        verify(proof(key, header={"jwk": key.as_dict(private=True)}), redis_client)


def test_key_must_fit_alg(redis_client):
    ec, rsa = new_key(), new_key("PS256")
    forged = proof(ec, header={"jwk": rsa.as_dict(private=False)})
    with pytest.raises(dpop.DpopError):
        verify(forged, redis_client)


def test_ath(redis_client):
    from auth.jose import sha256_b64url

    assert verify(proof(ath=sha256_b64url("tok")), redis_client, access_token="tok")
    with pytest.raises(dpop.DpopError, match="ath"):
        verify(proof(), redis_client, access_token="tok")


def test_replay(redis_client):
    value = proof()
    verify(value, redis_client)
    with pytest.raises(dpop.DpopError, match="replayed"):
        verify(value, redis_client)


def test_clock_window(redis_client):
    now = time.time()
    assert verify(proof(iat=int(now) + 10), redis_client, now=now)
    with pytest.raises(dpop.DpopError):
        verify(proof(iat=int(now) + 11), redis_client, now=now)
    with pytest.raises(dpop.DpopError):
        verify(proof(iat=int(now) - 61), redis_client, now=now)


def test_redis_down_fails_closed():
    import redis

    from auth.replay import ReplayCacheUnavailable

    class Down:
        def set(self, *args, **kwargs):
            raise redis.ConnectionError("down")

    with pytest.raises(ReplayCacheUnavailable):
        verify(proof(), Down())
