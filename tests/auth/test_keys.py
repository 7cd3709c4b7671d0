"""Server signing keys: created on first start, several kids, rotation by adding a file."""

from __future__ import annotations

import os
import time

from auth.jose import peek
from auth.keys import SigningKeys, generate_key


def test_first_start_creates_es256_and_ps256(tmp_path):
    keys = SigningKeys(tmp_path / "keys")
    algs = sorted(k["alg"] for k in keys.public_jwks()["keys"])
    assert algs == ["ES256", "PS256"]
    assert all("d" not in k for k in keys.public_jwks()["keys"])
    assert oct(os.stat(next((tmp_path / "keys").glob("*.pem"))).st_mode)[-3:] == "600"
    again = SigningKeys(tmp_path / "keys")
    assert again.keys.keys() == keys.keys.keys()


def test_signs_with_newest_key_of_preferred_alg(tmp_path):
    directory = tmp_path / "keys"
    old = SigningKeys(directory, "PS256")
    token = old.sign({"a": 1}, "at+jwt")
    assert peek(token)[0]["alg"] == "PS256"
    time.sleep(0.01)
    newest = generate_key(directory, "PS256")
    rotated = SigningKeys(directory, "PS256")
    assert rotated.signing_key.kid == newest.stem
    assert len(rotated.public_jwks()["keys"]) == 3
    assert rotated.verification_key(peek(token)[0]["kid"]) is not None


def test_jwks_endpoint(client):
    resp = client.get("/jwks")
    assert resp.status_code == 200
    assert {k["alg"] for k in resp.get_json()["keys"]} == {"ES256", "PS256"}
