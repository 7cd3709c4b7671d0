"""Aggregated account information across every bank of a consent. No Flask.

One read, in order: the consent must be AUTH and carry the permission (else the typed 403);
its bank links come from the consent service; banks needing re-authentication are reported
and skipped; fresh cache entries are served without calling the bank; banks under planned
downtime are skipped; unattended reads spend the daily allowance (past it: cache); the circuit
breaker and any Retry-After decide who may be called; the rest are called concurrently under
one deadline. Afterwards, in this thread (the session is not shared with bank threads):
refreshed bank tokens are stored, gone bank-side consents are marked, the breaker and the
status package learn each call's result, the cache is written, and the access is audited.
A bank that fails never fails the read: it is reported, and its last known data (if any) is
served with its age.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from aggregation.breaker import Admission, BankBreakers
from aggregation.cache import Allowance, BalanceCache, Cached, ConsentSnapshots
from aggregation.connectors.base import BankAccess, BankConnector
from aggregation.connectors.errors import BankUnauthorised, ConsentGone, TokenExpired
from aggregation.domain import Account, Balance, iso_utc
from aggregation.fanout import Deadline, FanOut, Outcome, Status
from aggregation.totals import CurrencyTotal, balance_lines, totals
from consent import service as consent_service
from core.errors import Problem
from core.logging import get_logger

READ_BALANCES = "ReadBalances"
ACCOUNT_PERMISSIONS = frozenset({"ReadAccountsBasic", "ReadAccountsDetail"})
CONSENT_MISMATCH = "U008"  # UK.OBIE.Resource.ConsentMismatch
NOT_FOUND = "U011"  # UK.OBIE.Resource.NotFound
HEALTH = {Status.OK: True, Status.TIMEOUT: False, Status.ERROR: False}
LISTED = "_listed"  # cached data holds the bank's account details (internal; never served)
DOWNTIME_SECONDS = 10.0  # how long a planned-downtime answer is reused in this process

log = get_logger("aggregation.service")


def ob_problem(detail: str, code: str, path: str | None, **kwargs) -> Problem:
    error = {"ErrorCode": code, "Message": detail, **({"Path": path} if path else {})}
    return Problem(detail, Errors=[error], **kwargs)


@dataclass(frozen=True)
class Caller:
    """Who reads, for which consent, and whether the PSU is present (RTS Art. 36(5)): a PSU
    is present when the TPP forwards their IP in `x-fapi-customer-ip-address`."""

    client_id: str
    consent_id: str | None
    psu_ip: str | None = None
    interaction_id: str | None = None

    @property
    def psu_present(self) -> bool:
        return bool(self.psu_ip)


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
    def __call__(self, link: consent_service.BankLink, deadline: Deadline, *,
                 psu_ip: str | None, with_balances: bool) -> BankRead: ...


@dataclass
class BankReport:
    bank_id: str
    status: Status
    source: str = "none"  # live | cache | none
    fetched_at: dt.datetime | None = None
    error_type: str | None = None
    retry_after: float | None = None
    accounts: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class LinkView:
    """A bank link as a cached read sees it: no tokens (they are read when a bank is called)."""

    bank_id: str
    accounts: tuple[str, ...]
    reauthentication_required: bool


@dataclass(frozen=True)
class ConsentView:
    consent_id: str
    client_id: str
    permissions: frozenset[str]
    expiration_at: dt.datetime | None
    links: tuple[LinkView, ...]

    def to_json(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "permissions": sorted(self.permissions),
                "expiration_at": self.expiration_at.isoformat() if self.expiration_at else None,
                "links": [[v.bank_id, list(v.accounts), v.reauthentication_required]
                          for v in self.links]}

    @classmethod
    def from_json(cls, consent_id: str, data: dict[str, Any]) -> ConsentView:
        expiry = data["expiration_at"]
        return cls(consent_id, data["client_id"], frozenset(data["permissions"]),
                   dt.datetime.fromisoformat(expiry) if expiry else None,
                   tuple(LinkView(b, tuple(a), r) for b, a, r in data["links"]))


@dataclass
class Aggregate:
    accounts: list[dict[str, Any]]
    banks: list[BankReport]
    totals: list[CurrencyTotal]
    detail: bool


class Aggregator:
    """The use case, with its adapters injected (Redis-backed parts, readers, clocks)."""

    def __init__(self, *, fanout: FanOut, breakers: BankBreakers, cache: BalanceCache,
                 allowance: Allowance, reader_for: Callable[[str], BankReader | None],
                 snapshots: ConsentSnapshots,
                 consent_adapters: Any, id_key: bytes, deadline_seconds: float = 2.0,
                 frequency_per_day: Callable[[str], int] = lambda _bank: 4,
                 planned_downtime: Callable[[Session, str, dt.datetime], bool] | None = None,
                 record_call: Callable[[str, bool, float], None] | None = None,
                 utcnow: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
                 retry_after_default: float = 30.0) -> None:
        self.fanout, self.breakers, self.cache, self.allowance = fanout, breakers, cache, allowance
        self.reader_for = reader_for
        self.snapshots = snapshots
        self.consent_adapters = consent_adapters
        self.id_key = id_key
        self.deadline_seconds = deadline_seconds
        self.frequency_per_day = frequency_per_day
        self.planned_downtime = planned_downtime
        self.record_call = record_call
        self.utcnow = utcnow
        self.retry_after_default = retry_after_default
        self._downtime: dict[str, tuple[float, bool]] = {}

    def account_id(self, consent_id: str, bank_id: str, bank_account_id: str) -> str:
        """Stable and opaque: the same bank account under another consent gets another id,
        and nothing of the bank's id can be read back from ours."""
        message = f"{consent_id}\x1f{bank_id}\x1f{bank_account_id}".encode()
        return hmac.new(self.id_key, message, hashlib.sha256).hexdigest()[:32]

    # -- the use case ---------------------------------------------------------------------
    def read(self, session: Session, caller: Caller, *, balances: bool,
             account_id: str | None = None) -> Aggregate:
        now = self.utcnow()
        consent = self._consent(session, caller, now)
        permissions = consent.permissions
        if balances:
            _require(READ_BALANCES in permissions, READ_BALANCES)
        else:
            _require(bool(permissions & ACCOUNT_PERMISSIONS), "ReadAccountsBasic")
        cid, links = consent.consent_id, list(consent.links)
        cached = self.cache.read_links([(cid, link.bank_id) for link in links])
        if account_id is not None:
            links = [link for link in links if self._holds(cid, link, cached, account_id)]
            if not links:
                raise ob_problem("No account with this AccountId under the consent.",
                                 NOT_FOUND, "AccountId", slug="not-found")
        reports = {link.bank_id: BankReport(link.bank_id, Status.OK) for link in links}
        to_call = self._triage(session, caller, links, cached, reports, balances, now)
        self._call(session, caller, cid, to_call, cached, reports, balances)
        accounts = [a for r in reports.values() for a in r.accounts
                    if account_id is None or a["AccountId"] == account_id]
        consent_service.record_access(
            session, cid, client_id=caller.client_id,
            resource="balances" if balances else "accounts", banks=sorted(reports),
            actor=consent_service.Actor("tpp", caller.client_id, caller.interaction_id),
            adapters=self.consent_adapters, psu_present=caller.psu_present)
        return Aggregate(accounts, [reports[b] for b in sorted(reports)],
                         totals(balance_lines(accounts)) if balances else [],
                         detail="ReadAccountsDetail" in permissions)

    def _consent(self, session: Session, caller: Caller, now: dt.datetime) -> ConsentView:
        """The consent from its snapshot when one is fresh and still unexpired, else from the
        consent service (which refuses it with the OB code unless it is AUTH)."""
        cid = caller.consent_id or ""
        data = self.snapshots.get(cid)
        if data is not None:
            view = ConsentView.from_json(cid, data)
            if view.client_id == caller.client_id and (
                    view.expiration_at is None or now < view.expiration_at):
                return view
        consent = consent_service.get_authorised_consent(session, cid, caller.client_id)
        links = consent_service.bank_links(session, cid, adapters=self.consent_adapters)
        view = ConsentView(cid, consent.client_id, frozenset(consent.permissions),
                           consent.expiration_at,
                           tuple(LinkView(link.bank_id, tuple(link.accounts),
                                          link.reauthentication_required) for link in links))
        self.snapshots.put(cid, view.to_json())
        return view

    def _holds(self, cid, link, cached, account_id) -> bool:
        known = {self.account_id(cid, link.bank_id, a) for a in link.accounts}
        known |= {e.account_id for e in cached[(cid, link.bank_id)]}
        return account_id in known

    def _triage(self, session, caller, links, cached, reports, balances, now) -> list:
        """Settle every bank that will not be called now; return the links to call."""
        fresh_for = self.cache.fresh_seconds
        pending = []
        for link in links:
            entries = cached[(caller.consent_id, link.bank_id)]
            usable = [e for e in entries if (e.data.get("Balances") is not None if balances
                                             else e.data.get(LISTED))]
            if link.reauthentication_required:
                self._settle(reports, link.bank_id, Status.REAUTHENTICATION_REQUIRED, [],
                             "ReauthenticationRequired")
            elif usable and len(usable) == len(entries) and all(
                    e.is_fresh(now, fresh_for) for e in usable):
                self._settle(reports, link.bank_id, Status.CACHED, usable)
            elif self._under_downtime(session, link.bank_id, now):
                self._settle(reports, link.bank_id, Status.PLANNED_DOWNTIME, usable,
                             "PlannedDowntime")
            else:
                pending.append((link, usable))
        if not caller.psu_present:
            allowed = []
            for link, usable in pending:
                ids = {self.account_id(caller.consent_id, link.bank_id, a)
                       for a in link.accounts} | {e.account_id for e in usable}
                if self.allowance.consume(caller.consent_id, ids,
                                          self.frequency_per_day(link.bank_id)):
                    allowed.append((link, usable))
                else:
                    self._settle(reports, link.bank_id,
                                 Status.CACHED if usable else Status.RATE_LIMITED, usable,
                                 "DailyAllowanceExhausted")
            pending = allowed
        verdicts = self.breakers.admit(
            {link.bank_id: (link.bank_id, f"{link.bank_id}:{caller.consent_id}")
             for link, _ in pending})
        to_call = []
        for link, usable in pending:
            verdict = verdicts[link.bank_id]
            if verdict.admission is Admission.WAIT:
                self._settle(reports, link.bank_id, Status.RATE_LIMITED, usable, "RetryAfter",
                             retry_after=verdict.wait_seconds)
            elif verdict.admission is Admission.OPEN:
                self._settle(reports, link.bank_id, Status.ERROR, usable, "CircuitOpen")
            elif self.reader_for(link.bank_id) is None:
                self._settle(reports, link.bank_id, Status.ERROR, usable, "UnknownBank")
            else:
                to_call.append(link)
        return to_call

    def _under_downtime(self, session: Session, bank_id: str, now: dt.datetime) -> bool:
        """Asks the status package, in a transaction of its own (so a read it begins never
        swallows the audit write that follows); if it cannot answer, the bank is called."""
        if self.planned_downtime is None:
            return False
        remembered = self._downtime.get(bank_id)
        if remembered is not None and remembered[0] > time.monotonic():
            return remembered[1]
        verdict = self._ask_downtime(session, bank_id, now)
        self._downtime[bank_id] = (time.monotonic() + DOWNTIME_SECONDS, verdict)
        return verdict

    def _ask_downtime(self, session: Session, bank_id: str, now: dt.datetime) -> bool:
        try:
            if session.in_transaction():
                return bool(self.planned_downtime(session, bank_id, now))
            with session.begin():
                return bool(self.planned_downtime(session, bank_id, now))
        except Exception as exc:  # noqa: BLE001 - availability data must not fail a read
            log.warning("planned_downtime_unavailable", bank_id=bank_id,
                        error_type=type(exc).__name__)
            return False

    def _report_call(self, bank_id: str, outcome: Outcome) -> None:
        try:
            self.record_call(bank_id, outcome.ok, outcome.latency_ms or 0.0)
        except Exception as exc:  # noqa: BLE001 - measuring must not fail a read
            log.warning("record_bank_call_failed", bank_id=bank_id,
                        error_type=type(exc).__name__)

    @staticmethod
    def _settle(reports, bank_id, status, entries: list[Cached], error_type=None,
                retry_after=None) -> None:
        report = reports[bank_id]
        report.status, report.error_type, report.retry_after = status, error_type, retry_after
        report.accounts = [{**e.data, "AccountId": e.account_id} for e in entries]
        report.source = "cache" if entries else "none"
        report.fetched_at = min((e.fetched_at for e in entries), default=None)

    def _call(self, session, caller, cid, views, cached, reports, balances) -> None:
        if not views:
            return
        full = {link.bank_id: link for link in consent_service.bank_links(
            session, cid, adapters=self.consent_adapters)}
        links = [full[v.bank_id] for v in views if v.bank_id in full]
        calls = {link.bank_id: _bind(self.reader_for(link.bank_id), link, caller.psu_ip,
                                     balances) for link in links}
        outcomes = self.fanout.run(calls, Deadline(self.deadline_seconds))
        by_bank = {link.bank_id: link for link in links}
        self.breakers.record({b: HEALTH[o.status] for b, o in outcomes.items()
                              if o.status in HEALTH})
        writes, stamps = {}, {}
        for bank_id, outcome in outcomes.items():
            if self.record_call is not None and outcome.status in HEALTH:
                self._report_call(bank_id, outcome)
            if outcome.ok:
                writes[(cid, bank_id)] = self._store_live(session, cid, by_bank[bank_id],
                                                          outcome, reports[bank_id],
                                                          cached[(cid, bank_id)])
                stamps[(cid, bank_id)] = outcome.fetched_at
            else:
                self._fail(session, cid, bank_id, outcome, cached[(cid, bank_id)], reports)
        self.cache.write_links(writes, stamps)

    def _store_live(self, session, cid, link, outcome: Outcome, report: BankReport,
                    previous: list[Cached]) -> dict:
        read: BankRead = outcome.value
        if read.tokens is not None:
            consent_service.update_bank_tokens(
                session, cid, link.bank_id, access_token=read.tokens.access_token,
                refresh_token=read.tokens.refresh_token, expires_at=read.tokens.expires_at,
                adapters=self.consent_adapters)
        known = {e.account_id: e.data for e in previous}
        entries = {}
        for account in read.accounts:
            aid = self.account_id(cid, link.bank_id, account.bank_account_id)
            details = account.account or {k: v for k, v in known.get(aid, {}).items()
                                          if k != "Balances"}
            entries[aid] = {**details, "Balances": account.balances, "BankId": link.bank_id}
        report.status, report.source, report.fetched_at = Status.OK, "live", outcome.fetched_at
        report.accounts = [{**data, "AccountId": aid} for aid, data in sorted(entries.items())]
        return entries

    def _fail(self, session, cid, bank_id, outcome: Outcome, entries, reports) -> None:
        if outcome.status is Status.REAUTHENTICATION_REQUIRED:
            consent_service.mark_bank_reauth_required(
                session, cid, bank_id, reason=outcome.error_type or "consent gone at bank",
                adapters=self.consent_adapters)
            self.cache.forget([(cid, bank_id)])
            self.snapshots.drop(cid)
            entries = []
        elif outcome.status is Status.RATE_LIMITED:
            self.breakers.defer(f"{bank_id}:{cid}", outcome.retry_after
                                or self.retry_after_default)
        self._settle(reports, bank_id, outcome.status, entries, outcome.error_type,
                     outcome.retry_after)


def _bind(reader: BankReader, link, psu_ip: str | None, balances: bool):
    def call(deadline: Deadline) -> BankRead:
        return reader(link, deadline, psu_ip=psu_ip, with_balances=balances)

    return call


def _require(granted: bool, permission: str) -> None:
    if not granted:
        raise ob_problem(f"The consent does not grant {permission}.", CONSENT_MISMATCH,
                         "Data.Permissions", slug="forbidden")


# -- the connector adapter ----------------------------------------------------------------------
class ConnectorReader:
    """A `BankReader` over a `BankConnector`: the account list and every account's balances
    are read concurrently (on a pool of their own, so a bank's task never waits on its own
    pool), an expired token is refreshed once and the failed calls retried, and a refresh the
    bank refuses means the PSU must authorise again."""

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
        listing = None
        if not (with_balances and wanted):
            listing = self.pool.submit(lambda: self.connector.list_accounts(
                access, timeout=deadline.remaining(), **kw))
        if with_balances and not wanted:  # accounts not known yet: list them first
            wanted = [a.account_id for a in listing.result(timeout=deadline.remaining())]
        reads = {a: self.pool.submit(lambda a=a: self.connector.read_balances(
            access, a, timeout=deadline.remaining(), **kw))
            for a in (wanted if with_balances else ())}
        accounts = None if listing is None else [
            a for a in listing.result(timeout=deadline.remaining())
            if not link.accounts or a.account_id in link.accounts]
        balances = {a: f.result(timeout=deadline.remaining()) for a, f in reads.items()}
        return accounts, balances


OB_BALANCE_TYPES = {"interim_available": "ITAV", "closing_available": "CLAV",
                    "closing_booked": "CLBD", "expected": "XPCD", "forward_available": "FWAV",
                    "information": "INFO", "interim_booked": "ITBD", "opening_available": "OPAV",
                    "opening_booked": "OPBD", "previously_closed_booked": "PRCD"}


def ob_account(account: Account) -> dict[str, Any]:
    data: dict[str, Any] = {"Status": (account.status or "enabled").capitalize(),
                            "Currency": account.currency,
                            "AccountType": (account.category or "personal").capitalize(),
                            "AccountSubType": account.product or "CurrentAccount",
                            "Nickname": account.name}
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
