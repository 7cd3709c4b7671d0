"""A TPP's side of the FAPI 2.0 flow, against a running server (`make run`).

    .venv/bin/python examples/tpp_client.py --psu alice --password open-banking-demo
    .venv/bin/python examples/tpp_client.py            # prints the URL for a browser instead

Discovery → PAR (private_key_jwt, DPoP) → the PSU authorises (this script can drive the sign-in
form itself with --psu) → code exchange with PKCE and DPoP → a protected call → refresh →
revocation, using the demo client keys that `make run` writes to instance/demo/.
Client assertions come from authlib's client side (RFC 7523), DPoP proofs from joserfc.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import re
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from authlib.oauth2.rfc7523 import private_key_jwt_sign
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwk, jwt

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEMO_DIR = Path(__file__).resolve().parent.parent / "instance" / "demo"


class Tpp:
    def __init__(self, server: str, client: dict, out=print) -> None:
        self.http = httpx.Client(base_url=server, timeout=10.0, follow_redirects=False)
        self.client = client
        self.key = jwk.import_key(Path(client["key"]).read_bytes(), "EC")
        self.dpop_key = jwk.ECKey.generate_key("P-256")  # one key per session, bound to tokens
        self.out = out
        self.meta: dict = {}

    def discover(self) -> dict:
        self.meta = self.http.get("/.well-known/oauth-authorization-server").json()
        return self.meta

    def assertion(self) -> dict:
        # FAPI 2.0: the audience is the issuer; a short-lived, single-use assertion.
        value = private_key_jwt_sign(self.key, self.client["client_id"], self.meta["issuer"],
                                     alg="ES256", expires_in=60)
        return {"client_assertion_type": ASSERTION_TYPE,
                "client_assertion": value.decode() if isinstance(value, bytes) else value}

    def proof(self, method: str, url: str, access_token: str | None = None) -> str:
        claims = {"jti": secrets.token_urlsafe(16), "htm": method, "htu": url,
                  "iat": int(time.time())}
        if access_token:
            digest = hashlib.sha256(access_token.encode()).digest()
            claims["ath"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": self.dpop_key.as_dict(private=False)}
        return jwt.encode(header, claims, self.dpop_key, algorithms=["ES256"])

    def post(self, endpoint: str, data: dict) -> httpx.Response:
        url = self.meta[endpoint]
        return self.http.post(url, data=data, headers={"DPoP": self.proof("POST", url)})

    def push(self, scope: str) -> tuple[str, str, str]:
        verifier, state = secrets.token_urlsafe(48), secrets.token_urlsafe(12)
        resp = self.post("pushed_authorization_request_endpoint", {
            "response_type": "code", "client_id": self.client["client_id"], "scope": scope,
            "redirect_uri": self.client["redirect_uri"], "state": state,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256", **self.assertion()})
        resp.raise_for_status()
        return resp.json()["request_uri"], verifier, state

    def authorize_url(self, request_uri: str) -> str:
        query = urlencode({"client_id": self.client["client_id"], "request_uri": request_uri})
        return f"{self.meta['authorization_endpoint']}?{query}"

    def sign_in_as(self, url: str, request_uri: str, username: str, password: str) -> str:
        """What the PSU's browser would do: open the page, sign in, approve."""
        self.http.get(url).raise_for_status()
        page = self.http.post(url.split("?")[0], data={
            "action": "sign_in", "request_uri": request_uri,
            "username": username, "password": password})
        found = re.search(r'name="interaction" value="([^"]+)"', page.text)
        if not found:
            raise SystemExit("sign-in failed: " + re.sub(r"<[^>]+>", " ", page.text)[:300])
        done = self.http.post(url.split("?")[0], data={
            "action": "approve", "request_uri": request_uri, "interaction": found.group(1)})
        if done.status_code != 303:
            raise SystemExit(f"approval did not redirect: {done.status_code}")
        return done.headers["location"]

    def exchange(self, callback: str, verifier: str, state: str) -> dict:
        query = parse_qs(urlsplit(callback).query)
        if query.get("iss") != [self.meta["issuer"]] or query.get("state") != [state]:
            raise SystemExit("the authorisation response has the wrong iss or state")
        if "code" not in query:
            raise SystemExit(f"authorisation refused: {query.get('error')}")
        resp = self.post("token_endpoint", {
            "grant_type": "authorization_code", "code": query["code"][0],
            "redirect_uri": self.client["redirect_uri"], "code_verifier": verifier,
            **self.assertion()})
        resp.raise_for_status()
        return resp.json()

    def call(self, path: str, access_token: str) -> httpx.Response:
        url = self.meta["issuer"] + path
        return self.http.get(url, headers={"Authorization": f"DPoP {access_token}",
                                           "DPoP": self.proof("GET", url, access_token)})

    def refresh(self, refresh_token: str) -> dict:
        resp = self.post("token_endpoint", {"grant_type": "refresh_token",
                                            "refresh_token": refresh_token, **self.assertion()})
        resp.raise_for_status()
        return resp.json()

    def revoke(self, token: str) -> int:
        return self.post("revocation_endpoint", {"token": token, **self.assertion()}).status_code


def run(server: str, client: dict, *, psu: str | None, password: str | None,
        scope: str = "accounts status", call: str = "/tpp/client", out=print) -> int:
    tpp = Tpp(server, client, out)
    meta = tpp.discover()
    out(f"discovery: issuer {meta['issuer']}, PAR required: "
        f"{meta['require_pushed_authorization_requests']}")
    request_uri, verifier, state = tpp.push(scope)
    url = tpp.authorize_url(request_uri)
    out(f"PAR: request_uri {request_uri}")
    if psu:
        callback = tpp.sign_in_as(url, request_uri, psu, password or "")
    else:
        out(f"open in a browser, sign in and approve:\n  {url}\n"
            "then paste the URL you were redirected to:")
        callback = input().strip()
    tokens = tpp.exchange(callback, verifier, state)
    out(f"token: {tokens['token_type']}, expires in {tokens['expires_in']} s, "
        f"scope {tokens['scope']!r}")
    resp = tpp.call(call, tokens["access_token"])
    out(f"GET {call}: {resp.status_code} {resp.text[:120]}")
    if resp.status_code != 200:
        return 1
    fresh = tpp.refresh(tokens["refresh_token"])
    out(f"refresh: new access token, expires in {fresh['expires_in']} s")
    out(f"revoke refresh token: {tpp.revoke(tokens['refresh_token'])}")
    after = tpp.call(call, fresh["access_token"])
    out(f"GET {call} after revocation: {after.status_code} "
        f"({after.headers.get('WWW-Authenticate', '')})")
    return 0 if after.status_code == 401 else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="http://127.0.0.1:8000")
    parser.add_argument("--demo-dir", default=str(DEMO_DIR))
    parser.add_argument("--client", default="budgeting", help="demo client (clients.json key)")
    parser.add_argument("--psu", help="drive the sign-in form as this PSU (alice, bob, carol)")
    parser.add_argument("--password", help="the PSU's password (printed by make run)")
    parser.add_argument("--scope", default="accounts status")
    parser.add_argument("--call", default="/tpp/client", help="protected path to call")
    args = parser.parse_args(argv)
    clients = json.loads((Path(args.demo_dir) / "clients.json").read_text())
    return run(args.server, clients[args.client], psu=args.psu, password=args.password,
               scope=args.scope, call=args.call)


if __name__ == "__main__":
    sys.exit(main())
