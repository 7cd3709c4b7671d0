"""A TPP's side of the FAPI 2.0 flow, against a running server (`make run`).

    .venv/bin/python examples/tpp_client.py --psu alice --password open-banking-demo
    .venv/bin/python examples/tpp_client.py            # prints the URL for a browser instead
    .venv/bin/python examples/tpp_client.py --consent --psu alice --password open-banking-demo

Discovery → PAR (private_key_jwt, DPoP) → the PSU authorises (this script can drive the sign-in
form itself with --psu) → code exchange with PKCE and DPoP → a protected call → refresh →
revocation, using the demo client keys that `make run` writes to instance/demo/.
The FAPI 2.0 client is examples/fapi_client.py; the scripted PSU browser examples/psu_browser.py.

`--consent` runs what a budgeting app does: a client-credentials token → POST
/account-access-consents → PAR naming the consent (RFC 9396 `authorization_details`) → the PSU
signs in, connects two sandbox banks at their own sign-in pages (`--banks`, `--bank-password`)
and allows access → code exchange → the consent reads back AUTH → /balances across the banks →
the PSU revokes on the dashboard (/psu/consents) and the token gets 401 (`--keep` skips that).
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import re
import sys
import uuid
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fapi_client import (  # noqa: E402
    DEMO_DIR,
    Tpp,
    TppError,
    add_client_options,
    demo_client,
    guarded,
    page_alert,
    page_text,
)
from psu_browser import Browser, form_action  # noqa: E402

from core.config import server_url  # noqa: E402

AIS = "/open-banking/v4.0/aisp"  # the OB v4.0 AIS base path
FIRST_SYNC_TIMEOUT = 60.0  # seconds the first transactions read may take (see read_transactions)


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

def _authorise_at_banks(tpp: Tpp, browser: Browser, screen: httpx.Response, banks: list[str],
                        psu: str, bank_password: str) -> httpx.Response:
    """On the consent screen: connect each bank (its own sign-in page), then allow access."""
    out, base = tpp.out, tpp.meta["issuer"]
    for bank in banks:
        connect = rf'/consent/authorise/[^"]+/banks/{re.escape(bank)}'
        action = form_action(screen.text, connect)
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
            raise TppError(f"{psu} could not sign in at {bank}: {page_alert(screen.text)} "
                           "(the sandbox banks' password is given with --bank-password)")
        connected = form_action(screen.text, connect) is None
        out(f"  {bank}: back on the consent screen, "
            f"{'connected' if connected else 'not connected'}")
    out(f"consent screen: {screen.text.count('Connected (')} bank(s) connected; "
        "the PSU allows access")
    decision = form_action(screen.text, r'/consent/authorise/[^"]+/decision')
    if decision is None:
        raise TppError(f"the consent screen offers no decision: {page_alert(screen.text)}")
    return browser.post(base, decision, {"action": "approve"})


def _revoke_on_dashboard(tpp: Tpp, browser: Browser, consent_id: str, psu: str,
                         password: str) -> int:
    base = tpp.meta["issuer"]
    page = browser.post(base, "/psu/sign-in", {"username": psu, "password": password})
    action = form_action(page.text, rf"/psu/consents/{re.escape(consent_id)}/revoke")
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
        raise TppError(f"PSU {psu} could not sign in: {page_alert(screen.text)}")
    out(f"PSU {psu} signed in: {html.unescape(title.group(1)) if title else screen.status_code}")
    back = _authorise_at_banks(tpp, browser, screen, banks, psu, bank_password)
    if not back.is_redirect:
        out(f"no redirect back to the app: {back.status_code} {page_text(back.text)[:200]}")
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
    # The first read syncs up to 24 months from every bank: the banks get the server's
    # AGGREGATION_TRANSACTIONS_DEADLINE_SECONDS (10 s), then what they sent is stored, so
    # the answer may take longer than the client's usual 10 s.
    resp = tpp.call(f"{AIS}/transactions?include=aggregation", access_token,
                    timeout=FIRST_SYNC_TIMEOUT)
    out(f"GET {AIS}/transactions?include=aggregation: {resp.status_code}")
    if resp.status_code != 200:
        return resp.status_code
    body = resp.json()
    entries = body["Data"]["Transaction"]
    out(f"  {len(entries)} on this page, page 1 of {body['Meta']['TotalPages']} "
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
    add_client_options(parser, client="budgeting", scope="accounts status")
    parser.add_argument("--demo-dir", default=str(DEMO_DIR))
    parser.add_argument("--psu", help="drive the sign-in form as this PSU (alice, bob, carol)")
    parser.add_argument("--password", help="the PSU's password (printed by make run)")
    parser.add_argument("--call", default="/tpp/client", help="protected path to call")
    consent = parser.add_argument_group(
        "--consent", "create an account-access consent and authorise it at banks")
    consent.add_argument("--consent", action="store_true", help="run this walkthrough")
    consent.add_argument("--banks", default="northgate,rheinfeld", help="banks the PSU connects")
    consent.add_argument("--bank-password", default="sandbox", help="the PSU's password there")
    consent.add_argument("--keep", action="store_true", help="no dashboard revocation at the end")
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


if __name__ == "__main__":
    sys.exit(main())
