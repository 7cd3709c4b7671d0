"""The TPP's side of FAPI 2.0, shared by the examples: discovery, PAR with private_key_jwt
client authentication, DPoP-bound tokens (answering the server's nonce challenges), code
exchange with PKCE, refresh, revocation; and one line of explanation for every refusal.
Client assertions come from authlib's client side (RFC 7523), DPoP proofs from joserfc.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import os
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

from core.config import SettingError

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEMO_DIR = Path(__file__).resolve().parent.parent / "instance" / "demo"


def add_client_options(parser: argparse.ArgumentParser, *, client: str, scope: str) -> None:
    """The options every example shares: where the server is, which demo client, which scope."""
    parser.add_argument("--server", default=None,
                        help="base URL (default: ISSUER, else http://127.0.0.1:$PORT)")
    parser.add_argument("--client", default=client, help="demo client (clients.json key)")
    parser.add_argument("--scope", default=scope)


class TppError(Exception):
    """A step of the flow was refused or could not run; the message is the one line to print
    (the OAuth `error`/`error_description`, the problem's `detail`, or what the PSU saw)."""


def explain(resp: httpx.Response, step: str) -> TppError:
    """What the server said when it refused `step`: OAuth error JSON (RFC 6749 §5.2), an
    RFC 9457 problem, an OBErrorResponse1, or the start of whatever else came back."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    said = page_text(resp.text)[:200]
    if isinstance(body, dict):
        if "error" in body:
            said = f"{body['error']}: {body.get('error_description', '')}".rstrip(": ")
        elif "detail" in body or "title" in body:
            said = str(body.get("detail") or body.get("title"))
        elif body.get("Errors"):
            said = "; ".join(f"{e.get('ErrorCode')}: {e.get('Message')}" for e in body["Errors"])
    return TppError(f"{step}: HTTP {resp.status_code} {said}")


def _ok(resp: httpx.Response, step: str) -> httpx.Response:
    if resp.status_code >= 400:
        raise explain(resp, step)
    return resp


def page_text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def page_alert(page: str) -> str:
    """The message a page shows its user (role="alert"), else the start of its text."""
    found = re.search(r'role="alert">([^<]+)<', page)
    return html.unescape(found.group(1)).strip() if found else page_text(page)[:200]


class Tpp:
    def __init__(self, server: str, client: dict, out=print) -> None:
        self.http = httpx.Client(base_url=server, timeout=10.0, follow_redirects=False)
        self.client = client
        self.key = jwk.import_key(Path(client["key"]).read_bytes(), "EC")
        self.dpop_key = jwk.ECKey.generate_key("P-256")  # one key per session, bound to tokens
        self.out = out
        self.meta: dict = {}
        self.nonce: str | None = None  # the server's latest DPoP-Nonce (RFC 9449 §8, §9)

    def discover(self) -> dict:
        resp = _ok(self.http.get("/.well-known/oauth-authorization-server"), "discovery")
        self.meta = resp.json()
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
        if self.nonce:
            claims["nonce"] = self.nonce
        if access_token:
            digest = hashlib.sha256(access_token.encode()).digest()
            claims["ath"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": self.dpop_key.as_dict(private=False)}
        return jwt.encode(header, claims, self.dpop_key, algorithms=["ES256"])

    def nonce_challenge(self, resp: httpx.Response) -> bool:
        """Keep the server's DPoP-Nonce; True when the answer asks for a retry with it."""
        if resp.headers.get("DPoP-Nonce"):
            self.nonce = resp.headers["DPoP-Nonce"]
        if resp.status_code == 401:
            return 'error="use_dpop_nonce"' in resp.headers.get("WWW-Authenticate", "")
        return (resp.status_code == 400 and "DPoP-Nonce" in resp.headers
                and resp.json().get("error") == "use_dpop_nonce")

    def post(self, endpoint: str, data: dict) -> httpx.Response:
        url = self.meta[endpoint]
        resp = self.http.post(url, data=data, headers={"DPoP": self.proof("POST", url)})
        if self.nonce_challenge(resp):  # retry once, with the nonce and a fresh assertion
            if "client_assertion" in data:
                data = {**data, **self.assertion()}
            resp = self.http.post(url, data=data, headers={"DPoP": self.proof("POST", url)})
        return resp

    def push(self, scope: str, extra: dict | None = None) -> tuple[str, str, str]:
        verifier, state = secrets.token_urlsafe(48), secrets.token_urlsafe(12)
        resp = self.post("pushed_authorization_request_endpoint", {
            "response_type": "code", "client_id": self.client["client_id"], "scope": scope,
            "redirect_uri": self.client["redirect_uri"], "state": state,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256", **self.assertion(), **(extra or {})})
        _ok(resp, "PAR")
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
            raise TppError(f"PSU {username} could not sign in: {page_alert(page.text)}")
        done = self.http.post(url.split("?")[0], data={
            "action": "approve", "request_uri": request_uri, "interaction": found.group(1)})
        if done.status_code != 303:
            raise TppError(f"approval did not redirect: HTTP {done.status_code}")
        return done.headers["location"]

    def exchange(self, callback: str, verifier: str, state: str) -> dict:
        query = parse_qs(urlsplit(callback).query)
        if query.get("iss") != [self.meta["issuer"]] or query.get("state") != [state]:
            raise TppError("the authorisation response has the wrong iss or state")
        if "code" not in query:
            raise TppError(f"authorisation refused: {query.get('error')}")
        resp = self.post("token_endpoint", {
            "grant_type": "authorization_code", "code": query["code"][0],
            "redirect_uri": self.client["redirect_uri"], "code_verifier": verifier,
            **self.assertion()})
        return _ok(resp, "code exchange").json()

    def call(self, path: str, access_token: str, method: str = "GET", *, json=None,
             content: bytes | None = None, headers: dict | None = None,
             timeout: float | None = None) -> httpx.Response:
        url = self.meta["issuer"] + path
        wait = httpx.USE_CLIENT_DEFAULT if timeout is None else timeout

        def send() -> httpx.Response:
            return self.http.request(method, url, json=json, content=content, timeout=wait,
                                     headers={"Authorization": f"DPoP {access_token}",
                                              "DPoP": self.proof(method, url, access_token),
                                              **(headers or {})})

        resp = send()
        return send() if self.nonce_challenge(resp) else resp

    def client_token(self, scope: str) -> str:
        """client_credentials: what creates and reads consents (no PSU involved)."""
        resp = self.post("token_endpoint", {"grant_type": "client_credentials", "scope": scope,
                                            **self.assertion()})
        return _ok(resp, f"token for scope {scope!r}").json()["access_token"]

    def refresh(self, refresh_token: str) -> dict:
        resp = self.post("token_endpoint", {"grant_type": "refresh_token",
                                            "refresh_token": refresh_token, **self.assertion()})
        return _ok(resp, "refresh").json()

    def revoke(self, token: str) -> int:
        return self.post("revocation_endpoint", {"token": token, **self.assertion()}).status_code


def demo_client(path: Path, name: str) -> dict:
    """One demo client from the file `make run` (`flask demo load`) writes."""
    if not path.exists():
        raise TppError(f"{path} does not exist: start the server once with `make run` "
                       "(it writes the demo clients), or pass --demo-dir")
    clients = json.loads(path.read_text())
    if name not in clients:
        raise TppError(f"no demo client {name!r} in {path}; have {', '.join(clients)}")
    return clients[name]


def guarded(step) -> int:
    """Run `step`; a refusal, a bad setting or an unreachable server is one line on stderr
    and exit status 1, never a stack."""
    try:
        return step()
    except (TppError, SettingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
    except httpx.TransportError as exc:
        where = getattr(getattr(exc, "request", None), "url", "the server")
        print(f"error: cannot reach {where}: {exc}. Is the server running (`make run`)? "
              "It is found at --server, else ISSUER, else http://127.0.0.1:$PORT",
              file=sys.stderr)
    except BrokenPipeError:
        # the reader of our output went away (`… | head`): nothing more to say, no stack
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 1
