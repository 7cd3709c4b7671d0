"""curl for this API: one call with a fresh DPoP-bound client-credentials token.

    .venv/bin/python examples/obcurl.py --client payments --scope payee-checks \\
        POST /cop/v1/name-verifications '{"Data": {...}}'
    .venv/bin/python examples/obcurl.py --client status-operator --scope status-admin \\
        GET /status/v1/subscriptions

Every call to a protected endpoint needs a client assertion (private_key_jwt) to get a token and
a DPoP proof signed for that exact method and URL, which curl cannot make. This script uses the
demo clients that `make run` writes to instance/demo/clients.json (budgeting, payments, bank,
status-operator) and prints the answer the way `curl -i` would.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tpp_client import DEMO_DIR, Tpp, TppError, demo_client, guarded  # noqa: E402

from core.config import server_url  # noqa: E402

SHOWN_HEADERS = ("content-type", "location", "retry-after", "www-authenticate",
                 "x-fapi-interaction-id", "x-request-id", "x-response-timestamp")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("method")
    parser.add_argument("path", help="path on the server, e.g. /cop/v1/name-verifications")
    parser.add_argument("body", nargs="?", help="JSON request body")
    parser.add_argument("--server", default=None,
                        help="base URL (default: ISSUER, else http://127.0.0.1:$PORT)")
    parser.add_argument("--client", default="payments", help="demo client name")
    parser.add_argument("--scope", default="payee-checks")
    parser.add_argument("--clients-file", default=str(DEMO_DIR / "clients.json"))
    parser.add_argument("-H", "--header", action="append", default=[],
                        help="extra header, 'Name: value' (repeatable)")
    args = parser.parse_args(argv)
    return guarded(lambda: _call(args))


def parse_body(text: str | None):
    """The request body as JSON, or one line saying where it stops being JSON."""
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TppError(f"the body is not valid JSON: {exc.msg} at line {exc.lineno} "
                       f"column {exc.colno}") from None


def parse_headers(values: list[str]) -> dict[str, str]:
    headers = {}
    for value in values:
        name, sep, content = value.partition(":")
        if not sep or not name.strip():
            raise TppError(f"-H {value!r}: write a header as 'Name: value'")
        headers[name.strip()] = content.strip()
    return headers


def _call(args) -> int:
    body = parse_body(args.body)
    headers = parse_headers(args.header)
    tpp = Tpp(server_url(args.server), demo_client(Path(args.clients_file), args.client),
              out=lambda *_: None)
    tpp.discover()
    token = tpp.client_token(args.scope)
    resp = tpp.call(args.path, token, args.method.upper(), json=body, headers=headers)

    print(f"HTTP {resp.status_code} {resp.reason_phrase}")
    for name in SHOWN_HEADERS:
        if name in resp.headers:
            print(f"{name}: {resp.headers[name]}")
    print()
    try:
        print(json.dumps(resp.json(), indent=2, ensure_ascii=False))
    except ValueError:
        print(resp.text)
    return 0 if resp.status_code < 400 else 1


if __name__ == "__main__":
    raise SystemExit(main())
