"""curl for this API: one call with a fresh DPoP-bound client-credentials token.

    .venv/bin/python examples/obcurl.py --client payments --scope payee-checks \\
        POST /cop/v1/name-verifications '{"Data": {...}}'
    .venv/bin/python examples/obcurl.py --client status-operator --scope status-admin \\
        GET /status/v1/subscriptions
    .venv/bin/python examples/obcurl.py --sign POST /cop/v1/name-verifications '{"Data": …}'

Every call to a protected endpoint needs a client assertion (private_key_jwt) to get a token and
a DPoP proof signed for that exact method and URL, which curl cannot make. This script uses the
demo clients that `make run` writes to instance/demo/clients.json (budgeting, payments, bank,
status-operator) and prints the answer the way `curl -i` would.

`--sign` adds the UK CoP message signature: a detached JWS in `x-jws-signature` over the exact
body bytes sent, with the client's key and the Open Banking header claims (`b64: false`,
`http://openbanking.org.uk/iat`, `/iss` = the client id, `/tan`), and checks the signature
of the answer against the server's /jwks.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from pathlib import Path

from joserfc import jwk
from joserfc.jws import JWSRegistry

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fapi_client as fapi  # noqa: E402

from core.config import server_url  # noqa: E402

IAT, ISS, TAN = (f"http://openbanking.org.uk/{claim}" for claim in ("iat", "iss", "tan"))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def detached_jws(body: bytes, key, issuer: str, trust_anchor: str) -> str:
    """header..signature over `body` itself (RFC 7797 `b64: false`, so the body is signed
    unencoded and `b64` is critical), as the OB message-signing profile lays it out."""
    alg = "ES256" if isinstance(key, jwk.ECKey) else "PS256"
    header = {"alg": alg, "kid": key.thumbprint(), "typ": "JOSE", "cty": "application/json",
              "b64": False, IAT: int(time.time()), ISS: issuer, TAN: trust_anchor,
              "crit": ["b64", IAT, ISS, TAN]}
    protected = _b64url(json.dumps(header, separators=(",", ":")).encode())
    signature = JWSRegistry(algorithms=[alg]).get_alg(alg).sign(
        protected.encode() + b"." + body, key)
    return f"{protected}..{_b64url(signature)}"


def answer_signature(tpp: fapi.Tpp, resp) -> str:
    """Whether the answer's x-jws-signature verifies with the server's key of that kid."""
    value = resp.headers.get("x-jws-signature")
    if not value:
        return "absent"
    protected, _, signature = value.split(".")
    header = json.loads(_b64url_decode(protected))
    keys = tpp.http.get(tpp.meta["jwks_uri"]).json()["keys"]
    found = next((k for k in keys if k.get("kid") == header.get("kid")), None)
    if found is None:
        return f"no key {header.get('kid')!r} at {tpp.meta['jwks_uri']}"
    body = resp.content if header.get("b64") is False else _b64url(resp.content).encode()
    ok = JWSRegistry(algorithms=[header["alg"]]).get_alg(header["alg"]).verify(
        protected.encode() + b"." + body, _b64url_decode(signature), jwk.import_key(found))
    return f"verified ({header['alg']}, kid {header['kid']})" if ok else "DOES NOT VERIFY"

SHOWN_HEADERS = ("content-type", "location", "retry-after", "www-authenticate",
                 "x-fapi-interaction-id", "x-request-id", "x-response-timestamp")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("method")
    parser.add_argument("path", help="path on the server, e.g. /cop/v1/name-verifications")
    parser.add_argument("body", nargs="?", help="JSON request body")
    fapi.add_client_options(parser, client="payments", scope="payee-checks")
    parser.add_argument("--clients-file", default=str(fapi.DEMO_DIR / "clients.json"))
    parser.add_argument("-H", "--header", action="append", default=[],
                        help="extra header, 'Name: value' (repeatable)")
    parser.add_argument("--sign", action="store_true",
                        help="sign the body in x-jws-signature (UK CoP message signing)")
    parser.add_argument("--trust-anchor", default="openbanking.org.uk",
                        help="http://openbanking.org.uk/tan of the signature")
    args = parser.parse_args(argv)
    return fapi.guarded(lambda: _call(args))


def parse_body(text: str | None):
    """The request body as JSON, or one line saying where it stops being JSON."""
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise fapi.TppError(f"the body is not valid JSON: {exc.msg} at line {exc.lineno} "
                       f"column {exc.colno}") from None


def parse_headers(values: list[str]) -> dict[str, str]:
    headers = {}
    for value in values:
        name, sep, content = value.partition(":")
        if not sep or not name.strip():
            raise fapi.TppError(f"-H {value!r}: write a header as 'Name: value'")
        headers[name.strip()] = content.strip()
    return headers


def _call(args) -> int:
    body = parse_body(args.body)
    headers = parse_headers(args.header)
    tpp = fapi.Tpp(server_url(args.server), fapi.demo_client(Path(args.clients_file), args.client),
              out=lambda *_: None)
    tpp.discover()
    token = tpp.client_token(args.scope)
    content = json.dumps(body).encode() if body is not None else None
    if args.sign:
        if content is None:
            raise fapi.TppError("--sign needs a body to sign")
        headers["x-jws-signature"] = detached_jws(content, tpp.key, tpp.client["client_id"],
                                                  args.trust_anchor)
    if content is not None:
        headers.setdefault("Content-Type", "application/json")
    resp = tpp.call(args.path, token, args.method.upper(), content=content, headers=headers)

    print(f"HTTP {resp.status_code} {resp.reason_phrase}")
    for name in SHOWN_HEADERS:
        if name in resp.headers:
            print(f"{name}: {resp.headers[name]}")
    if args.sign:
        print(f"x-jws-signature: {answer_signature(tpp, resp)}")
    print()
    try:
        print(json.dumps(resp.json(), indent=2, ensure_ascii=False))
    except ValueError:
        print(resp.text)
    return 0 if resp.status_code < 400 else 1


if __name__ == "__main__":
    raise SystemExit(main())
