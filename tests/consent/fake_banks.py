"""Fake bank gateways for the browser-flow tests: each records the calls it got, can refuse
or fail, and sends the PSU 'back' with a code for its state. Fast and exact about the calls
consent makes; `test_live_banks.py` runs the same flow against the real sandbox banks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from consent.bankflow import BankFailure, BankStart, BankTokens
from core.banks import BankInfo, BankList


@dataclass
class FakeBank:
    bank_id: str
    name: str
    fail_start: bool = False
    accounts: tuple[str, ...] = ("acc-1",)
    calls: list[tuple] = field(default_factory=list)

    def start(self, terms, *, state, redirect_uri):
        self.calls.append(("start", terms.permissions, redirect_uri))
        if self.fail_start:
            raise TimeoutError("bank timed out")
        return BankStart(f"{self.bank_id}-consent-1",
                         f"https://{self.bank_id}.example/authorize?state={state}",
                         {"code_verifier": "v-" + self.bank_id})

    def finish(self, bank_consent_id, *, code, redirect_uri, flow_secrets, answer=None,
               state=""):
        self.calls.append(("finish", bank_consent_id, code, flow_secrets["code_verifier"]))
        if code == "bad":
            raise BankFailure(self.bank_id, "invalid_grant")
        return BankTokens(f"at-{self.bank_id}", f"rt-{self.bank_id}",
                          dt.datetime(2030, 1, 1, tzinfo=dt.UTC), self.accounts)

    def delete(self, bank_consent_id, access_token):
        self.calls.append(("delete", bank_consent_id, access_token))


def install(adapters, *banks: FakeBank) -> dict[str, FakeBank]:
    table = {b.bank_id: b for b in banks}
    adapters.gateway_factory = table.__getitem__
    adapters.banks = BankList(tuple(BankInfo(b.bank_id, b.name, "fake") for b in banks))
    return table


def state_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["state"][0]
