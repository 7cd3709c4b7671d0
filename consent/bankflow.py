"""The consent package's view of a bank: what it needs from aggregation's connectors to run a
bank's own consent + OAuth flow for a PSU and to delete a bank-side consent.

`BankGateway` is that need, stated once. Aggregation implements it over its connectors and
hands consent a gateway factory (`consent.provide_banks`); tests inject their own. Everything
a bank raises becomes one `BankFailure` naming the bank and the kind of failure, never a raw
exception.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from consent.permissions import ConsentTerms
from core.banks import BankInfo


class BankFailure(Exception):
    def __init__(self, bank_id: str, kind: str, detail: str = "") -> None:
        super().__init__(f"{bank_id}: {kind}")
        self.bank_id = bank_id
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class BankStart:
    """A bank-side consent created, and where to send the PSU to authorise it: "" when the
    PSU approves in the bank's own app (decoupled SCA) and the flow `poll`s the bank."""

    bank_consent_id: str
    redirect_url: str
    flow_secrets: dict[str, str]  # e.g. the PKCE verifier; stored encrypted until the callback


@dataclass(frozen=True)
class BankWait:
    """The bank has not confirmed the PSU's approval yet: look again after `seconds` (the
    bank's advised interval); `message` is what the bank asks the PSU to do."""

    seconds: float
    message: str = ""


@dataclass(frozen=True)
class BankTokens:
    access_token: str
    refresh_token: str | None
    expires_at: dt.datetime | None
    accounts: tuple[str, ...]


class BankGateway(Protocol):
    bank_id: str

    def start(self, terms: ConsentTerms, *, state: str, redirect_uri: str) -> BankStart: ...

    def finish(self, bank_consent_id: str, *, code: str, redirect_uri: str,
               flow_secrets: dict[str, str],
               answer: Mapping[str, str] | None = None, state: str = "") -> BankTokens:
        """The PSU is back from the bank: `code` is "" when the bank sent none (a Berlin
        Group redirect without OAuth confirms the consent itself). `answer` is the bank's
        whole answer (query or fragment parameters), for a gateway that checks it before
        the code is exchanged (a UK bank's ID token or JARM response), and `state` the one
        `start` was given, as consent kept it server-side (the answer was matched to this
        flow by it): a flow checks against that, not against a copy it sealed, so a flow
        sealed by an earlier release still completes after a deploy."""
        ...

    def poll(self, bank_consent_id: str, *, flow_secrets: dict[str, str]
             ) -> BankTokens | BankWait:
        """A decoupled approval (`BankStart.redirect_url` ""): the tokens once the bank
        confirms, else how long to wait; a refusal or the deadline passing is BankFailure."""
        ...

    def delete(self, bank_consent_id: str, access_token: str | None) -> None: ...


def list_banks(adapters: Any) -> list[BankInfo]:
    return adapters.banks.banks()


def gateway(adapters: Any, bank_id: str) -> BankGateway:
    return adapters.gateway_factory(bank_id)


def no_gateway(bank_id: str) -> BankGateway:
    """Until aggregation provides its banks: none can be reached."""
    raise BankFailure(bank_id, "unavailable", "no bank registry")


def delete_bank_consent(adapters, bank_id: str, bank_consent_id: str,
                        access_token: str | None) -> None:
    guarded(bank_id, lambda: gateway(adapters, bank_id).delete(bank_consent_id, access_token))


def answer_state(answer: Mapping[str, str]) -> str:
    """The `state` a bank's answer names, to find the flow it belongs to: the parameter, or
    inside a JARM `response` (read unverified here: only a lookup key; the gateway verifies
    the response against the state it kept before any code is used)."""
    if answer.get("state"):
        return answer["state"]
    parts = (answer.get("response") or "").split(".")
    if len(parts) != 3:
        return ""
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return ""
    state = claims.get("state") if isinstance(claims, dict) else None
    return state if isinstance(state, str) else ""


def guarded(bank_id: str, call):
    """Run a bank call; any failure becomes BankFailure (its type name, never its message,
    which may quote tokens or account data)."""
    try:
        return call()
    except BankFailure:
        raise
    except Exception as exc:  # noqa: BLE001 - the connector's typed errors and anything else
        raise BankFailure(bank_id, getattr(exc, "kind", None) or type(exc).__name__) from exc
