"""The connector adapter: a `BankReader` over a `BankConnector`. The aggregation service sees
only `BankRead`s of domain objects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any, Protocol

from aggregation.connectors.base import BankAccess, BankConnector
from aggregation.connectors.errors import BankUnauthorised, ConsentGone, TokenExpired
from aggregation.domain import Account, Balance
from aggregation.fanout import Deadline


@dataclass(frozen=True)
class RefreshedTokens:
    access_token: str
    refresh_token: str | None
    expires_at: dt.datetime | None


@dataclass(frozen=True)
class BankAccount:
    """One account as a bank reader returns it, under the bank's own id (ours is derived
    later). `account` is None when the accounts were not listed (a balance read of known
    accounts), `balances` when they were not asked for; every balance carries its time."""

    bank_account_id: str
    account: Account | None
    balances: tuple[Balance, ...] | None = None


@dataclass(frozen=True)
class BankRead:
    accounts: list[BankAccount]
    tokens: RefreshedTokens | None = None  # set when the reader had to refresh them


class BankReader(Protocol):
    def __call__(self, link: Any, deadline: Deadline, *,
                 psu_ip: str | None, with_balances: bool) -> BankRead: ...


class ConnectorReader:
    """A `BankReader` over a `BankConnector`: every account's balances are read concurrently
    (on a pool of their own, so a bank's task never waits on its own pool), after the account
    list when the accounts are not known yet; an expired token is refreshed once and the
    failed calls retried, and a refresh the bank refuses means the PSU must authorise again."""

    def __init__(self, connector: BankConnector, pool, clock=lambda: dt.datetime.now(dt.UTC)):
        self.connector, self.pool, self.clock = connector, pool, clock

    def __call__(self, link, deadline: Deadline, *, psu_ip: str | None,
                 with_balances: bool) -> BankRead:
        tokens = None
        expires = link.token_expires_at
        if link.refresh_token and expires is not None and expires <= self.clock():
            tokens = self._refresh(link)
        token = tokens.access_token if tokens else link.access_token
        try:
            accounts, balances = self._read(link, token, deadline, psu_ip, with_balances)
        except TokenExpired:
            if tokens is not None or not link.refresh_token:
                raise ConsentGone(link.bank_id, "token_expired") from None
            tokens = self._refresh(link)
            accounts, balances = self._read(link, tokens.access_token, deadline, psu_ip,
                                            with_balances)
        now = self.clock()

        def timed(found: list[Balance]) -> tuple[Balance, ...]:
            return tuple(b if b.as_of else replace(b, as_of=now) for b in found)

        if accounts is None:  # not listed: balances only
            return BankRead([BankAccount(a, None, timed(found))
                             for a, found in balances.items()], tokens)
        return BankRead([BankAccount(a.account_id, a, timed(balances[a.account_id])
                                     if with_balances else None) for a in accounts], tokens)

    def _refresh(self, link) -> RefreshedTokens:
        try:
            got = self.connector.refresh(link.refresh_token)
        except BankUnauthorised as exc:  # invalid_grant: the bank-side grant is gone
            raise ConsentGone(link.bank_id, "refresh_refused") from exc
        return RefreshedTokens(got.access_token, got.refresh_token or link.refresh_token,
                               got.expires_at)

    def _read(self, link, token, deadline, psu_ip, with_balances):
        """A balance read of known accounts skips the account list (one call per account
        instead of one more per bank); the service keeps the account details it had."""
        access = BankAccess(link.bank_consent_id or "", token)
        kw = {"psu_present": bool(psu_ip), "psu_ip": psu_ip}
        wanted = list(link.accounts)
        accounts = None
        if not (with_balances and wanted):
            accounts = [a for a in self.connector.list_accounts(
                access, timeout=deadline.remaining(), **kw)
                if not link.accounts or a.account_id in link.accounts]
            if not with_balances:
                return accounts, {}
            wanted = [a.account_id for a in accounts]
        return accounts, self._balances(access, wanted, deadline, kw)

    def _balances(self, access, wanted: list[str], deadline, kw) -> dict[str, list]:
        """Every wanted account's balances, concurrently: all but the last on the pool, the
        last in this thread, so a bank with one account costs no hand-over between threads
        (each one a wake-up and a future, on a GIL that the whole fan-out shares)."""
        def read(account_id):
            return self.connector.read_balances(access, account_id,
                                                timeout=deadline.remaining(), **kw)

        futures = {a: self.pool.submit(read, a) for a in wanted[:-1]}
        last = read(wanted[-1]) if wanted else None
        return {a: futures[a].result(timeout=deadline.remaining()) if a in futures else last
                for a in wanted}
