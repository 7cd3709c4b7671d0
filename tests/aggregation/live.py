"""Sandbox banks served over real HTTP on localhost, with a bank registry pointing at them, and
a helper taking a seeded PSU through consent at a bank via its connector."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from dataclasses import dataclass

from flask import Flask

from aggregation.connectors.base import BankAccess, BankConsent, ConsentRequest, TokenSet
from aggregation.psu_browser import authorise
from aggregation.registry import BankRegistry
from sandbox import mount
from sandbox.server import serve
from sandbox.state import BankState
from sandbox.trust import sandbox_banks

REDIRECT_URI = "https://tpp.example/callback"
PSU_IP = "203.0.113.7"


@dataclass
class Sandbox:
    base_url: str
    registry: BankRegistry
    states: dict[str, BankState]

    def connector(self, bank_id: str):
        return self.registry.connector(bank_id)

    def reset(self) -> None:
        for state in self.states.values():
            state.reset_faults()
            state.clear()


@dataclass
class Authorised:
    consent: BankConsent
    tokens: TokenSet

    @property
    def access(self) -> BankAccess:
        return BankAccess(self.consent.consent_id, self.tokens.access_token)


def running_sandbox(key_dir):
    """Context manager: yields a Sandbox served on a free localhost port."""
    app = Flask("sandbox-under-test")

    class _Context:
        def __enter__(self):
            self._serving = serve(app)
            base = self._serving.__enter__()
            registry = BankRegistry.load(issuer=base, base_dir=key_dir)
            registry.ensure_sandbox_keys()
            banks = sandbox_banks(registry.sandbox_clients())
            self.sandbox = Sandbox(base, registry, mount(app, banks))
            return self.sandbox

        def __exit__(self, *exc):
            self.sandbox.registry.close()
            return self._serving.__exit__(*exc)

    return _Context()


def take_through_consent(connector, username: str = "alice", *,
                         request: ConsentRequest | None = None) -> Authorised:
    consent = connector.create_consent(request or ConsentRequest(psu_ip=PSU_IP))
    redirect = connector.authorisation_redirect(consent.consent_id, redirect_uri=REDIRECT_URI,
                                                state="state-123")
    answer = authorise(redirect.url, username)
    assert answer["state"] == "state-123"
    tokens = connector.exchange_code(answer["code"], redirect_uri=REDIRECT_URI,
                                     code_verifier=redirect.code_verifier)
    return Authorised(consent, tokens)


@contextmanager
def moved_clock(bank, **delta):
    """The bank's clock, moved forward by `delta` (timedelta keywords) for the block."""
    original = bank.clock
    later = dt.datetime.now(dt.UTC) + dt.timedelta(**delta)
    bank.clock = lambda: later
    try:
        yield later
    finally:
        bank.clock = original
