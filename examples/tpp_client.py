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
import os
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

from core.config import SettingError, server_url

AIS = "/open-banking/v4.0/aisp"  # the OB v4.0 AIS base path

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
DEMO_DIR = Path(__file__).resolve().parent.parent / "instance" / "demo"


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
    said = _text(resp.text)[:200]
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
            raise TppError(f"PSU {username} could not sign in: {_alert(page.text)}")
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
             content: bytes | None = None, headers: dict | None = None) -> httpx.Response:
        url = self.meta["issuer"] + path

        def send() -> httpx.Response:
            return self.http.request(method, url, json=json, content=content, headers={
                "Authorization": f"DPoP {access_token}",
                "DPoP": self.proof(method, url, access_token), **(headers or {})})

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


def _alert(page: str) -> str:
    """The message a page shows its user (role="alert"), else the start of its text."""
    found = re.search(r'role="alert">([^<]+)<', page)
    return html.unescape(found.group(1)).strip() if found else _text(page)[:200]


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
        raise TppError("too many redirects")

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
        if screen.status_code >= 400:  # still at the bank: it refused the sign-in
            raise TppError(f"{psu} could not sign in at {bank}: {_alert(screen.text)} "
                           "(the sandbox banks' password is given with --bank-password)")
        connected = _form_action(screen.text, connect) is None
        out(f"  {bank}: back on the consent screen, "
            f"{'connected' if connected else 'not connected'}")
    out(f"consent screen: {screen.text.count('Connected (')} bank(s) connected; "
        "the PSU allows access")
    decision = _form_action(screen.text, r'/consent/authorise/[^"]+/decision')
    if decision is None:
        raise TppError(f"the consent screen offers no decision: {_alert(screen.text)}")
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
    created = tpp.call(f"{AIS}/account-access-consents", cc, "POST", json={
        "Data": {"Permissions": ["ReadAccountsDetail", "ReadBalances", "ReadTransactionsDetail",
                                 "ReadTransactionsCredits", "ReadTransactionsDebits"],
                 "ExpirationDateTime": expiry.isoformat()}, "Risk": {}},
        headers={"x-idempotency-key": str(uuid.uuid4())})
    if created.status_code != 201:
        out(f"POST {AIS}/account-access-consents: {created.status_code} {created.text[:300]}")
        return 1
    consent_id = created.json()["Data"]["ConsentId"]
    out(f"POST {AIS}/account-access-consents: 201 {consent_id} {created.json()['Data']['Status']}")
    details = json.dumps([{"type": "account_access_consent", "consent_id": consent_id}])
    request_uri, verifier, state = tpp.push("accounts", {"authorization_details": details})
    out(f"PAR with authorization_details: request_uri {request_uri}")

    browser = Browser(client["redirect_uri"])
    url = tpp.authorize_url(request_uri)
    browser.http.get(url).raise_for_status()
    screen = browser.post(server, url.split("?")[0], {
        "action": "sign_in", "request_uri": request_uri, "username": psu, "password": password})
    title = re.search(r"<h1>([^<]+)</h1>", screen.text)
    if "interaction" not in screen.text and "/consent/authorise/" not in screen.text:
        raise TppError(f"PSU {psu} could not sign in: {_alert(screen.text)}")
    out(f"PSU {psu} signed in: {html.unescape(title.group(1)) if title else screen.status_code}")
    back = _authorise_at_banks(tpp, browser, screen, banks, psu, bank_password)
    if not back.is_redirect:
        out(f"no redirect back to the app: {back.status_code} {_text(back.text)[:200]}")
        return 1
    tokens = tpp.exchange(back.headers["location"], verifier, state)
    out(f"token: {tokens['token_type']} for consent, scope {tokens['scope']!r}")

    status = tpp.call(f"{AIS}/account-access-consents/{consent_id}", cc).json()["Data"]["Status"]
    out(f"GET {AIS}/account-access-consents/{consent_id}: {status}")
    balances = tpp.call(f"{AIS}/balances?include=aggregation", tokens["access_token"])
    out(f"GET {AIS}/balances?include=aggregation: {balances.status_code}")
    if balances.status_code == 200:
        for item in balances.json()["Data"]["Balance"]:
            sign = "-" if item.get("CreditDebitIndicator") == "Debit" else ""
            amount = sign + item["Amount"]["Amount"]
            out(f"  {item['AccountId']}  {item['Type']:<5} {amount:>10} "
                f"{item['Amount']['Currency']}")
        print_aggregation(balances.json().get("Aggregation") or {}, out)
    listed = read_transactions(tpp, tokens["access_token"], out)
    ok = status == "AUTH" and balances.status_code == 200 and listed == 200
    if not ok or keep:
        return 0 if ok else 1
    if _revoke_on_dashboard(tpp, browser, consent_id, psu, password):
        return 1
    after = tpp.call(f"{AIS}/balances", tokens["access_token"])
    out(f"GET {AIS}/balances after revocation: {after.status_code} "
        f"({after.headers.get('WWW-Authenticate', '')})")
    final = tpp.call(f"{AIS}/account-access-consents/{consent_id}", cc).json()["Data"]["Status"]
    out(f"GET {AIS}/account-access-consents/{consent_id}: {final}")
    return 0 if after.status_code == 401 and final == "CANC" else 1


def read_transactions(tpp: Tpp, access_token: str, out=print) -> int:
    """The first page of the consent's transactions across its banks (newest first), and
    how complete each bank's history is."""
    resp = tpp.call(f"{AIS}/transactions?include=aggregation", access_token)
    out(f"GET {AIS}/transactions?include=aggregation: {resp.status_code}")
    if resp.status_code != 200:
        return resp.status_code
    body = resp.json()
    entries = body["Data"]["Transaction"]
    out(f"  {len(entries)} on this page of {body['Meta']['TotalPages']} "
        f"(next page: {'yes' if body['Links'].get('Next') else 'no'})")
    for item in entries[:3]:
        sign = "-" if item["CreditDebitIndicator"] == "Debit" else ""
        category = (item.get("SupplementaryData") or {}).get("Category")
        out(f"  {item['BookingDateTime']}  {item['Status']}  {sign + item['Amount']['Amount']:>10} "
            f"{item['Amount']['Currency']}  {category}")
    print_aggregation(body.get("Aggregation") or {}, out)
    return resp.status_code


def print_aggregation(extras: dict, out=print) -> None:
    """The per-bank status and the per-currency totals that `GET /balances?include=aggregation`
    adds in its `Aggregation` member."""
    for bank in extras.get("Banks") or []:
        extra = ", ".join(f"{key} {bank[key]}" for key in (
            "ErrorType", "RetryAfter", "HistoryComplete") if bank.get(key) is not None)
        out(f"  bank {bank.get('BankId')}: {bank.get('Status')} (source {bank.get('Source')}, "
            f"fetched {bank.get('FetchedAt')}{', ' + extra if extra else ''})")
    for total in extras.get("Totals") or []:
        out(f"  total {total.get('Currency')}: available {total.get('Available')}, "
            f"credit lines {total.get('CreditLines')}, {total.get('AccountCount')} account(s)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=None,
                        help="base URL (default: ISSUER, else http://127.0.0.1:$PORT)")
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
    if args.consent and not args.psu:
        parser.error("--consent needs --psu and --password")
    return guarded(lambda: _main(args))


def _main(args) -> int:
    server = server_url(args.server)
    client = demo_client(Path(args.demo_dir) / "clients.json", args.client)
    if args.consent:
        return run_consent(server, client, psu=args.psu,
                           password=args.password or "", keep=args.keep,
                           banks=[b.strip() for b in args.banks.split(",") if b.strip()],
                           bank_password=args.bank_password)
    return run(server, client, psu=args.psu, password=args.password,
               scope=args.scope, call=args.call)


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


if __name__ == "__main__":
    sys.exit(main())
