"""Setup for bench/aggregate.py: a TPP, the PSU alice, and consents authorised at N banks
through the real consent flow and each sandbox bank's own OAuth pages.
"""

from __future__ import annotations

import re
from functools import partial
from urllib.parse import parse_qs, urlencode, urlsplit

from aggregate_apps import registry

AIS = "/open-banking/v4.0/aisp"  # the OB v4.0 AIS base path
CONSENTS_PER_N = 4
PSU_IP = "203.0.113.9"


class BenchGateway:
    """consent's BankGateway over a registry connector (the bench drives the bank's pages)."""

    def __init__(self, connector):
        self.connector = connector
        self.bank_id = connector.bank_id

    def start(self, terms, *, state, redirect_uri):
        from aggregation.connectors.base import ConsentRequest
        from consent.bankflow import BankStart

        consent = self.connector.create_consent(ConsentRequest(
            permissions=tuple(terms.permissions), expires_at=terms.expiration, psu_ip=PSU_IP))
        redirect = self.connector.authorisation_redirect(
            consent.consent_id, redirect_uri=redirect_uri, state=state)
        return BankStart(consent.consent_id, redirect.url,
                         {"code_verifier": redirect.code_verifier})

    def finish(self, bank_consent_id, *, code, redirect_uri, flow_secrets, answer=None,
               state=""):
        from aggregation.connectors.base import BankAccess
        from consent.bankflow import BankTokens

        tokens = self.connector.exchange_code(code, redirect_uri=redirect_uri,
                                              code_verifier=flow_secrets["code_verifier"])
        accounts = self.connector.list_accounts(BankAccess(bank_consent_id,
                                                           tokens.access_token))
        return BankTokens(tokens.access_token, tokens.refresh_token, tokens.expires_at,
                          tuple(a.account_id for a in accounts))

    def delete(self, bank_consent_id, access_token):
        self.connector.delete_consent(bank_consent_id, access_token=access_token)


def bank_pages(url: str, ca_file: str | None = None) -> tuple[str, str]:
    """The PSU signs in at the sandbox bank and approves; returns (code, state). The PSU's
    browser trusts the sandbox CA (`ca_file`) as the service does."""
    import httpx

    from aggregation.connectors.tls import client_context

    query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
    form = {**query, "username": "alice", "password": "sandbox", "decision": "approve"}
    verify = client_context(trust=[ca_file]) if ca_file else True
    resp = httpx.post(url.split("?")[0], data=form, follow_redirects=False, timeout=10,
                      verify=verify)
    back = parse_qs(urlsplit(resp.headers["location"]).query)
    return back["code"][0], back["state"][0]


def connect_bank(client, html: str, bank_id: str, ca_file: str | None = None):
    """On the consent screen, connect `bank_id`: its real OAuth pages, then our callback."""
    action = re.search(rf'action="(/consent/authorise/[^"]+/banks/{bank_id})"', html)
    code, state = bank_pages(client.post(action.group(1)).location, ca_file)
    back = client.get(f"/consent/callback/{bank_id}?{urlencode({'code': code, 'state': state})}")
    return client.get(back.location)


def authorise_consents(settings: dict, bank_ids_by_n: dict[int, list[str]]):
    from core.app import create_app
    from tests.aggregation.test_api import driver, rar
    from tests.fixtures import auth as fx

    app = create_app(settings)
    reg = registry(app.config, app.instance_path)
    app.extensions["consent"].gateway_factory = lambda bank_id: BenchGateway(
        reg.connector(bank_id))
    app.extensions["consent"].banks = reg
    tpp = fx.make_tpp._get_wrapped_function()(app)(roles=("AISP",), name="Budget Buddy",
                                                    binding="mtls")
    fx.make_psu._get_wrapped_function()(app)("alice")
    grants: dict[int, list[dict]] = {}
    for n, bank_ids in bank_ids_by_n.items():
        grants[n] = []
        for _ in range(CONSENTS_PER_N):
            created = tpp.request("POST", f"{AIS}/account-access-consents", scope="accounts", json={
                "Data": {"Permissions": ["ReadAccountsDetail", "ReadBalances"]}, "Risk": {}})
            consent_id = created.get_json()["Data"]["ConsentId"]
            tokens = tpp.authorize("alice", fx.PSU_PASSWORD, "accounts", rar(consent_id),
                                   drive=driver(bank_ids, partial(
                                       connect_bank, ca_file=settings.get("BANKS_CA_FILE"))))
            grants[n].append(tokens)
    return tpp, grants


def fresh_headers(tpp, grants: list[dict]) -> list[dict]:
    """Access tokens live 5 minutes: refresh before each phase."""
    headers = []
    for grant in grants:
        resp = tpp.refresh(grant["refresh_token"]).get_json()
        grant.update(resp)
        headers.append({"Authorization": f"Bearer {grant['access_token']}",
                        "x-fapi-customer-ip-address": PSU_IP, **tpp.cert_headers()})
    return headers
