"""A TPP's side of the FAPI 2.0 flow, against a running server (`make run`).

    .venv/bin/python examples/tpp_client.py --psu alice --password open-banking-demo
    .venv/bin/python examples/tpp_client.py            # prints the URL for a browser instead
    .venv/bin/python examples/tpp_client.py --consent --psu alice --password open-banking-demo

Discovery → PAR (private_key_jwt, DPoP) → the PSU authorises (this script can drive the sign-in
form itself with --psu) → code exchange with PKCE and DPoP → a protected call → refresh →
revocation, using the demo client keys that `make run` writes to instance/demo/.
Client assertions come from authlib's client side (RFC 7523), DPoP proofs from joserfc.

`--consent` runs what a budgeting app does: a client-credentials token → POST
/account-access-consents → PAR naming the consent (RFC 9396 `authorization_details`) → the PSU
signs in, connects two sandbox banks at their own sign-in pages (`--banks`, `--bank-password`)
and allows access → code exchange → the consent reads back AUTH → /balances across the banks →
the PSU revokes on the dashboard (/psu/consents) and the token gets 401 (`--keep` skips that).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import html
import json
import re
import secrets
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

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

    def push(self, scope: str, extra: dict | None = None) -> tuple[str, str, str]:
        verifier, state = secrets.token_urlsafe(48), secrets.token_urlsafe(12)
        resp = self.post("pushed_authorization_request_endpoint", {
            "response_type": "code", "client_id": self.client["client_id"], "scope": scope,
            "redirect_uri": self.client["redirect_uri"], "state": state,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256", **self.assertion(), **(extra or {})})
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

    def call(self, path: str, access_token: str, method: str = "GET", *, json=None,
             content: bytes | None = None, headers: dict | None = None) -> httpx.Response:
        url = self.meta["issuer"] + path
        return self.http.request(method, url, json=json, content=content, headers={
            "Authorization": f"DPoP {access_token}", "DPoP": self.proof(method, url, access_token),
            **(headers or {})})

    def client_token(self, scope: str) -> str:
        """client_credentials: what creates and reads consents (no PSU involved)."""
        resp = self.post("token_endpoint", {"grant_type": "client_credentials", "scope": scope,
                                            **self.assertion()})
        resp.raise_for_status()
        return resp.json()["access_token"]

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


# --- --consent: one consent across two banks --------------------------------------------------

HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


class Browser:
    """The PSU's browser: keeps cookies, follows 303s on our pages and the banks' pages, and
    stops at the TPP's redirect URI (which this script plays itself)."""

    def __init__(self, stop_at: str) -> None:
        self.http = httpx.Client(timeout=30.0, follow_redirects=False)
        self.stop_at = stop_at

    def follow(self, resp: httpx.Response) -> httpx.Response:
        for _ in range(10):
            if not resp.is_redirect:
                return resp
            location = urljoin(str(resp.url), resp.headers["location"])
            if location.startswith(self.stop_at):
                return resp
            resp = self.http.get(location)
        raise SystemExit("too many redirects")

    def post(self, base: str, action: str, data: dict | None = None) -> httpx.Response:
        return self.follow(self.http.post(urljoin(base, html.unescape(action)), data=data))

    def bank_sign_in(self, page: httpx.Response, username: str, password: str
                     ) -> httpx.Response:
        """Fill in a sandbox bank's sign-in form and approve."""
        form = {name: html.unescape(value) for name, value in HIDDEN.findall(page.text)}
        form.update(username=username, password=password, decision="approve")
        return self.follow(self.http.post(str(page.url).split("?")[0], data=form))


def _form_action(page: str, pattern: str) -> str | None:
    found = re.search(rf'action="({pattern})"', page)
    return found.group(1) if found else None


def _authorise_at_banks(tpp: Tpp, browser: Browser, screen: httpx.Response, banks: list[str],
                        psu: str, bank_password: str) -> httpx.Response:
    """On the consent screen: connect each bank (its own sign-in page), then allow access."""
    out, base = tpp.out, tpp.meta["issuer"]
    for bank in banks:
        connect = rf'/consent/authorise/[^"]+/banks/{re.escape(bank)}'
        action = _form_action(screen.text, connect)
        if action is None:
            out(f"  {bank}: not offered on the consent screen")
            continue
        answer = browser.http.post(urljoin(base, action))
        if answer.status_code != 303:  # the bank failed: reported on the screen, carry on
            screen = answer
            alert = re.search(r'role="alert">([^<]+)<', answer.text)
            out(f"  {bank}: {html.unescape(alert.group(1)) if alert else answer.status_code}")
            continue
        page = browser.http.get(answer.headers["location"])
        out(f"  {bank}: the bank's sign-in page {urlsplit(str(page.url)).path} "
            f"({page.status_code}); {psu} signs in and approves")
        screen = browser.bank_sign_in(page, psu, bank_password)
        connected = _form_action(screen.text, connect) is None
        out(f"  {bank}: back on the consent screen, "
            f"{'connected' if connected else 'not connected'}")
    out(f"consent screen: {screen.text.count('Connected (')} bank(s) connected; "
        "the PSU allows access")
    decision = _form_action(screen.text, r'/consent/authorise/[^"]+/decision')
    return browser.post(base, decision, {"action": "approve"})


def _revoke_on_dashboard(tpp: Tpp, browser: Browser, consent_id: str, psu: str,
                         password: str) -> int:
    base = tpp.meta["issuer"]
    page = browser.post(base, "/psu/sign-in", {"username": psu, "password": password})
    action = _form_action(page.text, rf"/psu/consents/{re.escape(consent_id)}/revoke")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    if action is None or csrf is None:
        tpp.out("dashboard: the consent is not listed")
        return 1
    done = browser.post(base, action, {"csrf": csrf.group(1)})
    said = re.search(r'role="status">([^<]+)<', done.text)
    tpp.out(f"PSU revokes on the dashboard (/psu/consents): "
            f"{html.unescape(said.group(1)) if said else done.status_code}")
    return 0


def run_consent(server: str, client: dict, *, psu: str, password: str, banks: list[str],
                bank_password: str = "sandbox", keep: bool = False, out=print) -> int:
    tpp = Tpp(server, client, out)
    meta = tpp.discover()
    out(f"discovery: issuer {meta['issuer']}")
    cc = tpp.client_token("accounts")
    expiry = (dt.datetime.now(dt.UTC) + dt.timedelta(days=90)).replace(microsecond=0)
    created = tpp.call("/account-access-consents", cc, "POST", json={
        "Data": {"Permissions": ["ReadAccountsDetail", "ReadBalances"],
                 "ExpirationDateTime": expiry.isoformat()}, "Risk": {}},
        headers={"x-idempotency-key": str(uuid.uuid4())})
    if created.status_code != 201:
        out(f"POST /account-access-consents: {created.status_code} {created.text[:300]}")
        return 1
    consent_id = created.json()["Data"]["ConsentId"]
    out(f"POST /account-access-consents: 201 {consent_id} {created.json()['Data']['Status']}")
    details = json.dumps([{"type": "account_access_consent", "consent_id": consent_id}])
    request_uri, verifier, state = tpp.push("accounts", {"authorization_details": details})
    out(f"PAR with authorization_details: request_uri {request_uri}")

    browser = Browser(client["redirect_uri"])
    url = tpp.authorize_url(request_uri)
    browser.http.get(url).raise_for_status()
    screen = browser.post(server, url.split("?")[0], {
        "action": "sign_in", "request_uri": request_uri, "username": psu, "password": password})
    title = re.search(r"<h1>([^<]+)</h1>", screen.text)
    out(f"PSU {psu} signed in: {html.unescape(title.group(1)) if title else screen.status_code}")
    back = _authorise_at_banks(tpp, browser, screen, banks, psu, bank_password)
    if not back.is_redirect:
        out(f"no redirect back to the app: {back.status_code} {_text(back.text)[:200]}")
        return 1
    tokens = tpp.exchange(back.headers["location"], verifier, state)
    out(f"token: {tokens['token_type']} for consent, scope {tokens['scope']!r}")

    status = tpp.call(f"/account-access-consents/{consent_id}", cc).json()["Data"]["Status"]
    out(f"GET /account-access-consents/{consent_id}: {status}")
    balances = tpp.call("/balances", tokens["access_token"])
    out(f"GET /balances: {balances.status_code}")
    if balances.status_code == 200:
        for item in balances.json()["Data"]["Balance"]:
            sign = "-" if item.get("CreditDebitIndicator") == "Debit" else ""
            amount = sign + item["Amount"]["Amount"]
            out(f"  {item['AccountId']}  {item['Type']:<5} {amount:>10} "
                f"{item['Amount']['Currency']}")
    if status != "AUTH" or balances.status_code != 200 or keep:
        return 0 if status == "AUTH" and balances.status_code == 200 else 1
    if _revoke_on_dashboard(tpp, browser, consent_id, psu, password):
        return 1
    after = tpp.call("/balances", tokens["access_token"])
    out(f"GET /balances after revocation: {after.status_code} "
        f"({after.headers.get('WWW-Authenticate', '')})")
    final = tpp.call(f"/account-access-consents/{consent_id}", cc).json()["Data"]["Status"]
    out(f"GET /account-access-consents/{consent_id}: {final}")
    return 0 if after.status_code == 401 and final == "CANC" else 1


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="http://127.0.0.1:8000")
    parser.add_argument("--demo-dir", default=str(DEMO_DIR))
    parser.add_argument("--client", default="budgeting", help="demo client (clients.json key)")
    parser.add_argument("--psu", help="drive the sign-in form as this PSU (alice, bob, carol)")
    parser.add_argument("--password", help="the PSU's password (printed by make run)")
    parser.add_argument("--scope", default="accounts status")
    parser.add_argument("--call", default="/tpp/client", help="protected path to call")
    parser.add_argument("--consent", action="store_true",
                        help="create an account-access consent and authorise it at banks")
    parser.add_argument("--banks", default="northgate,rheinfeld",
                        help="--consent: the banks the PSU connects (comma-separated)")
    parser.add_argument("--bank-password", default="sandbox",
                        help="--consent: the PSU's password at the sandbox banks")
    parser.add_argument("--keep", action="store_true",
                        help="--consent: leave the consent active (no dashboard revocation)")
    args = parser.parse_args(argv)
    clients = json.loads((Path(args.demo_dir) / "clients.json").read_text())
    if args.consent:
        if not args.psu:
            parser.error("--consent needs --psu and --password")
        return run_consent(args.server, clients[args.client], psu=args.psu,
                           password=args.password or "", keep=args.keep,
                           banks=[b.strip() for b in args.banks.split(",") if b.strip()],
                           bank_password=args.bank_password)
    return run(args.server, clients[args.client], psu=args.psu, password=args.password,
               scope=args.scope, call=args.call)


if __name__ == "__main__":
    sys.exit(main())
