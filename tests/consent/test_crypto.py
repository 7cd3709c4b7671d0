"""Bank tokens at rest: AES-GCM, key ids, rotation, context binding, generated instance key."""

from __future__ import annotations

import os
import stat

import pytest

from consent.crypto import (
    GENERATED_KEY_FILE,
    DecryptionError,
    KeyConfigurationError,
    Sealed,
    TokenCipher,
    generate_key_spec,
    load_cipher,
    parse_keys,
)


def test_round_trip_and_context_binding(tmp_path):
    cipher = load_cipher(generate_key_spec("a"), tmp_path)
    sealed = cipher.seal("secret-token", "c1|bank|access")
    assert sealed.key_id == "a" and "secret-token" not in sealed.ciphertext
    assert cipher.open(sealed, "c1|bank|access") == "secret-token"
    with pytest.raises(DecryptionError):
        cipher.open(sealed, "c2|bank|access")
    tampered = Sealed("a", sealed.ciphertext[:-4] + ("AAAA" if sealed.ciphertext[-4:] != "AAAA"
                                                     else "BBBB"))
    with pytest.raises(DecryptionError):
        cipher.open(tampered, "c1|bank|access")


def test_rotation_first_key_encrypts_old_keys_decrypt(tmp_path):
    old_spec = generate_key_spec("old")
    old = load_cipher(old_spec, tmp_path)
    sealed = old.seal("t", "ctx")
    rotated = load_cipher(f"{generate_key_spec('new')},{old_spec}", tmp_path)
    assert rotated.open(sealed, "ctx") == "t"
    rewrapped = rotated.rewrap(sealed, "ctx")
    assert rewrapped.key_id == "new" and rotated.open(rewrapped, "ctx") == "t"
    with pytest.raises(DecryptionError):
        load_cipher(generate_key_spec("new"), tmp_path).open(sealed, "ctx")


@pytest.mark.parametrize("spec", ["", "nokey", "a:!!!", "a:" + "QUJD", "a:x,a:y"])
def test_bad_key_specs(spec):
    with pytest.raises(KeyConfigurationError):
        parse_keys(spec)


def test_generated_instance_key(tmp_path, caplog):
    first = load_cipher("", tmp_path)
    path = tmp_path / GENERATED_KEY_FILE
    assert path.exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    second = load_cipher("", tmp_path)
    assert second.open(first.seal("x", "c"), "c") == "x"


def test_repr_hides_keys():
    cipher = TokenCipher(*parse_keys(generate_key_spec("k")))
    assert "keys" not in repr(cipher)
