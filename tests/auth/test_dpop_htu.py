"""DPoP `htu` normalisation (RFC 9449 §4.3, RFC 3986 §6.2.2): properties of the normaliser."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from auth.dpop import UNRESERVED, canonical_path, normalize_url, request_path

RESERVED = "!$&'()*+,;=:@/?#[]"
segment_chars = st.sampled_from(sorted(UNRESERVED) + list("!$&'()*+,;=:@") + ["%2F", "%20",
                                                                               "é", " "])
segments = st.lists(st.lists(segment_chars, min_size=1, max_size=8).map("".join)
                    .filter(lambda s: s not in (".", "..")), max_size=5)
paths = segments.map(lambda parts: "/" + "/".join(parts))
hosts = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=10)


def _encode(char: str, upper: bool) -> str:
    code = f"{ord(char):02X}"
    return "%" + (code if upper else code.lower())


@given(paths)
def test_idempotent(path):
    assert canonical_path(canonical_path(path)) == canonical_path(path)


@given(st.text(alphabet=sorted(UNRESERVED), min_size=1, max_size=20), st.data())
def test_encoding_unreserved_characters_changes_nothing(text, data):
    mask = data.draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    upper = data.draw(st.booleans())
    encoded = "".join(_encode(c, upper) if m else c for c, m in zip(text, mask, strict=True))
    # an encoded "." is a "." (§2.3), so "%2E" and "%2E%2E" are dot segments like their plain forms
    assert canonical_path("/" + encoded) == canonical_path("/" + text)
    if text not in {".", ".."}:  # dot segments are removed (§5.2.4); any other text is a name
        assert canonical_path("/" + text) == "/" + text


@given(st.text(alphabet=sorted(UNRESERVED), max_size=8), st.sampled_from(RESERVED),
       st.text(alphabet=sorted(UNRESERVED), max_size=8), st.booleans())
def test_encoded_reserved_character_stays_distinct(before, char, after, upper):
    encoded = canonical_path(f"/{before}{_encode(char, upper)}{after}")
    assert "%" + f"{ord(char):02X}" in encoded  # kept encoded, hex upper-cased
    if char not in "?#[]":  # not allowed literally in a path: ? and # end it, [ ] are invalid
        assert encoded != canonical_path(f"/{before}{char}{after}")


@given(paths, hosts, st.sampled_from(["http", "https"]))
def test_scheme_host_case_and_default_port(path, host, scheme):
    default = 443 if scheme == "https" else 80
    base = normalize_url(f"{scheme}://{host}{path}")
    assert normalize_url(f"{scheme.upper()}://{host.upper()}:{default}{path}") == base
    assert normalize_url(f"{scheme}://{host}:8443{path}") != base
    assert normalize_url(f"{scheme}://{host}{path}?q=1#f") == base


@given(paths)
def test_dot_segments_are_removed(path):
    assert canonical_path(path + "/x/../.") == canonical_path(path + "/")


def test_examples():
    assert canonical_path("/tpp%2Fclient") == "/tpp%2Fclient"
    assert canonical_path("/tpp%2fclient") == "/tpp%2Fclient"
    assert canonical_path("/%74pp/client") == "/tpp/client"
    assert canonical_path("/a b") == "/a%20b"
    assert canonical_path("") == "/"


def test_request_path_prefers_the_raw_target():
    assert request_path("/tpp%2Fclient?x=1", "", "/tpp/client") == "/tpp%2Fclient"
    assert request_path("http://h/tpp%2Fclient", "", "/tpp/client") == "/tpp%2Fclient"
    assert request_path("/hub/a%2Fb", "/hub", "/a/b") == "/a%2Fb"
    assert request_path(None, "", "/a b") == "/a%20b"
