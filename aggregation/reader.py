"""The connector adapter: a `BankReader` over a `BankConnector`, and the OB v4.0 shapes of what
it reads (`ob_account`, `ob_balance`). The aggregation service sees only `BankRead`s.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from aggregation.connectors.base import BankAccess, BankConnector
from aggregation.connectors.errors import BankUnauthorised, ConsentGone, TokenExpired
from aggregation.domain import Account, Balance, iso_utc
from aggregation.fanout import Deadline

LISTED = "_listed"  # cached data holds the bank's account details (internal; never served)


@dataclass(frozen=True)
class RefreshedTokens:
    access_token: str
    refresh_token: str | None
    expires_at: dt.datetime | None


@dataclass(frozen=True)
class BankAccount:
    """One account as a bank reader returns it: OB v4 shapes without `AccountId` (ours is
    derived later). `balances` is None when they were not asked for."""

    bank_account_id: str
    account: dict[str, Any]
    balances: list[dict[str, Any]] | None = None

    def as_data(self) -> dict[str, Any]:
        return {**self.account, "Balances": self.balances}


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
        if accounts is None:  # not listed: balances only
            return BankRead([BankAccount(a, {}, [ob_balance(b, now) for b in found])
                             for a, found in balances.items()], tokens)
        return BankRead([BankAccount(a.account_id, {**ob_account(a), LISTED: True},
                                     [ob_balance(b, now) for b in balances[a.account_id]]
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


OB_BALANCE_TYPES = {"interim_available": "ITAV", "closing_available": "CLAV",
                    "closing_booked": "CLBD", "expected": "XPCD", "forward_available": "FWAV",
                    "information": "INFO", "interim_booked": "ITBD", "opening_available": "OPAV",
                    "opening_booked": "OPBD", "previously_closed_booked": "PRCD"}


# OB v4.0 AccountTypeCode (OBExternalAccountSubType1Code): the subset of ISO 20022
# ExternalCashAccountType1Code the standard admits; any other ISO code is OTHR.
OB_ACCOUNT_TYPE_CODES = frozenset({
    "CACC", "CARD", "CASH", "CHAR", "CISH", "COMM", "CPAC", "LLSV", "LOAN", "MGLD", "MOMA",
    "NREX", "ODFT", "ONDP", "OTHR", "SACC", "SLRY", "SVGS", "TAXE", "TRAN", "TRAS", "VACC",
    "NFCA", "MORT", "WALT"})
OB_ACCOUNT_STATUSES = ("Deleted", "Disabled", "Enabled", "Pending", "ProForma")
# Berlin Group's `blocked` has no OB name; the account is there but unusable: Disabled.
OB_STATUS_OF = {**{s.lower(): s for s in OB_ACCOUNT_STATUSES}, "blocked": "Disabled"}


def ob_account_type_code(code: str | None) -> str | None:
    code = (code or "").strip().upper()
    if not code:
        return None
    return code if code in OB_ACCOUNT_TYPE_CODES else "OTHR"


def ob_account(account: Account) -> dict[str, Any]:
    """OBAccount6 with the v4.0 names: AccountCategory (Personal/Business) and AccountTypeCode
    (the ISO cash account type), the Nickname cut to the standard's 70 characters."""
    status = OB_STATUS_OF.get((account.status or "enabled").lower())
    category = {"personal": "Personal", "business": "Business"}.get(account.category or "")
    data: dict[str, Any] = {"Status": status,
                            "Currency": account.currency,
                            "AccountCategory": category,
                            "AccountTypeCode": ob_account_type_code(account.type_code),
                            "Nickname": (account.name or "")[:70] or None}
    data["Account"] = [{"SchemeName": f"UK.OBIE.{i.scheme}", "Identification": i.identification}
                       for i in account.identifiers]
    return {k: v for k, v in data.items() if v is not None}


def ob_balance(balance: Balance, fetched_at: dt.datetime) -> dict[str, Any]:
    amount = balance.amount
    data: dict[str, Any] = {
        "CreditDebitIndicator": "Debit" if amount.amount < 0 else "Credit",
        "Type": OB_BALANCE_TYPES.get(balance.type.value, "INFO"),
        "DateTime": iso_utc(balance.as_of or fetched_at),
        "Amount": {"Amount": str(abs(amount.amount)), "Currency": amount.currency},
    }
    if balance.credit_lines:
        data["CreditLine"] = [
            {"Included": line.included, **({"Type": line.type} if line.type else {}),
             **({"Amount": {"Amount": str(line.amount.amount),
                            "Currency": line.amount.currency}} if line.amount else {})}
            for line in balance.credit_lines]
    return data
