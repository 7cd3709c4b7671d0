"""Deterministic 24-month transaction histories of the sandbox accounts, made on first use.

Every calendar day of every account is generated from its own seed (account id and date), so a
day holds the same transactions whenever it is asked for: as time passes, new days appear at
the end of the window and the oldest fall out, and nothing in between changes. A card payment
is authorised on its day and books one to three days later: until then it is pending, with the
same transaction id it keeps once booked. Own-account transfers (history_data.OWN_TRANSFERS,
ROUND_UP_SWEEPS) appear at both banks with the same amount, date and reference. One account's
whole window is kept in memory per day (a few thousand small objects, made in ~0.1 s).
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import heapq
import random
from dataclasses import dataclass
from decimal import Decimal

from core.iban import iban
from sandbox import history_data as data
from sandbox.seed import SEED, SeedAccount

WINDOW = dt.timedelta(days=730)  # 24 months
LAG_DAYS = 12  # a refund or a booking can be dated this many days after its day
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Entry:
    """One transaction as the bank holds it, whatever standard renders it."""

    id: str
    account_id: str
    authorised_at: dt.datetime
    booked_at: dt.datetime  # when it books; in the future while it is pending
    amount: Decimal  # signed: negative is money out
    currency: str
    code: tuple[str, str, str]  # ISO 20022 domain, family, sub-family
    proprietary: str
    counterparty: str | None = None
    counterparty_account: tuple[str, str] | None = None  # (scheme, identification)
    remittance: str | None = None
    reference: str | None = None
    merchant: str | None = None
    mcc: str | None = None
    instructed: tuple[Decimal, str] | None = None  # original amount of foreign spend
    rate: Decimal | None = None  # account currency per unit of the instructed currency

    def pending(self, now: dt.datetime) -> bool:
        return self.booked_at > now

    def moment(self, now: dt.datetime) -> dt.datetime:
        """Its place on the timeline: the booking, or while pending the authorisation."""
        return self.authorised_at if self.pending(now) else self.booked_at


HOME_CURRENCY = {"GB": "GBP", "DE": "EUR"}


def window(account: SeedAccount, home_currency: str, now: dt.datetime, start: dt.datetime,
           end: dt.datetime) -> list[Entry]:
    """The account's transactions known at `now` whose moment lies in [start, end] and in the
    last 24 months, oldest first (ties by id). Each page of a listing asks again, so this
    bisects the booking-ordered history rather than scanning it."""
    start = max(start, now - WINDOW)
    entries, booked_at = _history(account, home_currency, now.date())
    settled = bisect.bisect_right(booked_at, now)  # entries[settled:] book later: pending
    booked = entries[bisect.bisect_left(booked_at, start):
                     min(settled, bisect.bisect_right(booked_at, end))]
    pending = sorted((e for e in entries[settled:] if start <= e.authorised_at <= end
                      and e.authorised_at <= now), key=lambda e: (e.authorised_at, e.id))
    if not pending:
        return list(booked)
    return list(heapq.merge(booked, pending, key=lambda e: (e.moment(now), e.id)))


@functools.lru_cache(maxsize=64)
def _history(account: SeedAccount, home_currency: str,
             today: dt.date) -> tuple[tuple[Entry, ...], list[dt.datetime]]:
    """Every entry made in the window (and the days before it whose entries book inside it),
    in booking order, with their booking times for bisecting."""
    first = today - WINDOW - dt.timedelta(days=LAG_DAYS + 1)
    days = (first + dt.timedelta(days=n) for n in range((today - first).days + 1))
    kind = profile(account, home_currency)
    entries = sorted((e for day in days for e in _day(account, kind, day)),
                     key=lambda e: (e.booked_at, e.id))
    return tuple(entries), [e.booked_at for e in entries]


def profile(account: SeedAccount, home_currency: str) -> str:
    if account.product == "SVGS":
        return "savings"
    if account.product == "CARD":
        return "card"
    return "current" if account.currency == home_currency else "secondary"


class _Day:
    """The transactions of one account on one day, numbered in the order they are made."""

    def __init__(self, account: SeedAccount, day: dt.date) -> None:
        self.account = account
        self.day = day
        self.rng = random.Random(f"{account.id}:{day.isoformat()}")
        self.entries: list[Entry] = []

    def at(self, hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
        return dt.datetime.combine(self.day + dt.timedelta(days=days), dt.time(hour, minute),
                                   tzinfo=dt.UTC) + dt.timedelta(seconds=self.rng.randint(0, 59))

    def amount(self, low: str, high: str) -> Decimal:
        return (Decimal(self.rng.randint(int(Decimal(low) * 100), int(Decimal(high) * 100)))
                * CENT).quantize(CENT)

    def add(self, authorised: dt.datetime, amount: Decimal, code: str, proprietary: str,
            booked: dt.datetime | None = None, **details) -> None:
        key = f"{self.account.id}:{self.day.isoformat()}:{len(self.entries)}"
        self.entries.append(Entry(
            id=hashlib.blake2b(key.encode(), digest_size=12).hexdigest(),
            account_id=self.account.id, authorised_at=authorised,
            booked_at=booked or authorised, amount=amount, currency=self.account.currency,
            code=tuple(code.split("-")), proprietary=proprietary, **details))


def _day(account: SeedAccount, kind: str, day: dt.date) -> list[Entry]:
    d = _Day(account, day)
    funded = any(to == account.id for _, to, _, _ in data.OWN_TRANSFERS)
    if kind == "current" and not funded:
        _salary(d)
    if kind == "current":
        _bills(d)
    if kind in ("current", "secondary", "card"):
        _card_spend(d, kind)
    if kind == "card" and day.day == 3:
        d.add(d.at(10), d.amount("250.00", "900.00"), "PMNT-RCDT-DMCT", "FPI",
              counterparty=data.HOLDERS[account.owner], remittance="PAYMENT RECEIVED THANK YOU")
    if kind == "savings" and _last_day_of_month(day):
        d.add(d.at(23, 30), d.amount("3.00", "19.00"), "ACMT-MCOP-INTR", "INT",
              remittance="GROSS INTEREST")
    _own_transfers(d)
    _round_up_sweeps(d)
    return d.entries


def _salary(d: _Day) -> None:
    payday = _payday(d.day)
    if d.day == payday:
        employer, base = data.EMPLOYERS[d.account.currency]
        bonus = Decimal(d.rng.choice(("0.00", "0.00", "0.00", "120.00", "310.50")))
        d.add(d.at(7, 30), Decimal(base) + bonus, "PMNT-RCDT-SALA", "BGC",
              counterparty=employer, remittance=f"SALARY {payday:%b %Y}".upper(),
              reference=f"PAYROLL-{payday:%Y%m}")


def _bills(d: _Day) -> None:
    for payee, day, amount, family, sub, proprietary, reference in data.BILLS.get(
            d.account.currency, ()):
        if d.day.day == day:
            other = _payee_account(d.account, payee) if sub == "STDO" else None
            d.add(d.at(6), -Decimal(amount), f"PMNT-{family}-{sub}", proprietary,
                  counterparty=payee, counterparty_account=other, remittance=reference,
                  reference=reference)
    for merchant, mcc, amount, day in data.SUBSCRIPTIONS:
        if d.day.day == day:
            _card(d, merchant, mcc, Decimal(amount), d.at(3))


def _card_spend(d: _Day, kind: str) -> None:
    low, high = data.DAILY_CARD_SPEND[kind]
    grocers = data.GROCERS.get(d.account.currency, data.GROCERS["GBP"])
    for _ in range(d.rng.randint(low, high)):
        roll = d.rng.random()
        if roll < 0.05 and d.account.currency in data.TRAVEL:
            merchant, mcc, lo, hi, currency = d.rng.choice(data.TRAVEL[d.account.currency])
            _foreign(d, merchant, mcc, d.amount(lo, hi), currency)
            continue
        merchant, mcc, lo, hi = d.rng.choice(grocers if roll < 0.40 else data.SHOPS)
        price = d.amount(lo, hi)
        _card(d, merchant, mcc, price, d.at(d.rng.randint(7, 21), d.rng.randint(0, 59)))
        if d.rng.random() < 0.03:
            refunded = d.at(d.rng.randint(9, 17), days=d.rng.randint(3, 10))
            d.add(refunded, price, "PMNT-CCRD-RIMB", "DEB", counterparty=merchant,
                  remittance=f"REFUND {merchant}".upper(), merchant=merchant, mcc=mcc)
    if kind == "current" and d.rng.random() < 0.12:
        amount = Decimal(d.rng.choice((20, 40, 50, 100))).quantize(CENT)
        d.add(d.at(d.rng.randint(9, 20)), -amount, "PMNT-CCRD-CWDL", "CPT",
              remittance="CASH WITHDRAWAL", merchant="Cash machine", mcc="6011")


def _card(d: _Day, merchant: str, mcc: str, price: Decimal, authorised: dt.datetime,
          **foreign) -> None:
    booked = dt.datetime.combine(authorised.date() + dt.timedelta(days=d.rng.randint(1, 3)),
                                 dt.time(4, d.rng.randint(0, 59)), tzinfo=dt.UTC)
    d.add(authorised, -price, "PMNT-CCRD-POSD", "DEB", booked=booked, counterparty=merchant,
          remittance=f"{merchant} CARD 4821".upper(), merchant=merchant, mcc=mcc, **foreign)


def _foreign(d: _Day, merchant: str, mcc: str, original: Decimal, currency: str) -> None:
    base = Decimal(data.RATES[(currency, d.account.currency)])
    rate = (base * (1 + Decimal(d.rng.randint(-150, 150)) / 10000)).quantize(Decimal("0.0001"))
    _card(d, merchant, mcc, (original * rate).quantize(CENT),
          d.at(d.rng.randint(8, 22), d.rng.randint(0, 59)),
          instructed=(original, currency), rate=rate)


def _own_transfers(d: _Day) -> None:
    for source, target, day, amount in data.OWN_TRANSFERS:
        if d.day.day != day or d.account.id not in (source, target):
            continue
        outgoing = d.account.id == source
        reference = "OWN" + hashlib.blake2b(f"{source}:{target}:{d.day}".encode(),
                                            digest_size=5).hexdigest().upper()
        _transfer_leg(d, _account(target if outgoing else source),
                      -Decimal(amount) if outgoing else Decimal(amount), reference,
                      dt.datetime.combine(d.day, dt.time(9, 0, 0 if outgoing else 4),
                                          tzinfo=dt.UTC), "OWN ACCOUNT TRANSFER")


def _round_up_sweeps(d: _Day) -> None:
    """The day's card payments rounded up to whole units, swept at 23:50 to savings at another
    bank: the saver's leg mirrors the current account's (same amount, day and reference)."""
    for source, target in data.ROUND_UP_SWEEPS:
        if d.account.id == source:
            ups = sum(((1 - (-e.amount) % 1) % 1 for e in d.entries
                       if e.code[2] == "POSD" and e.authorised_at.date() == d.day), Decimal(0))
            if ups:
                _transfer_leg(d, _account(target), -ups, _sweep_reference(source, d.day),
                              dt.datetime.combine(d.day, dt.time(23, 50), tzinfo=dt.UTC),
                              "ROUND-UPS TO SAVINGS")
        elif d.account.id == target:
            origin = _account(source)
            for leg in _day(origin, profile(origin, _home(origin)), d.day):
                if leg.reference == _sweep_reference(source, d.day):
                    _transfer_leg(d, origin, -leg.amount, leg.reference,
                                  leg.booked_at + dt.timedelta(seconds=4), leg.remittance)


def _transfer_leg(d: _Day, other: SeedAccount, amount: Decimal, reference: str,
                  moment: dt.datetime, remittance: str) -> None:
    """One leg of a transfer between the customer's own accounts; `other` is the far side."""
    outgoing = amount < 0
    d.add(moment, amount, "PMNT-ICDT-DMCT" if outgoing else "PMNT-RCDT-DMCT",
          "FPO" if outgoing else "FPI", counterparty=data.HOLDERS[other.owner],
          counterparty_account=(other.scheme, other.identification), remittance=remittance,
          reference=reference)


def _sweep_reference(source: str, day: dt.date) -> str:
    return "RND" + hashlib.blake2b(f"{source}:{day}".encode(), digest_size=5).hexdigest().upper()


def _home(account: SeedAccount) -> str:
    return next(data.HOME_CURRENCY[bank] for bank, held in SEED.items() if account in held)


def _payday(day: dt.date) -> dt.date:
    """The 25th, or the Friday before it when it falls on a weekend."""
    payday = day.replace(day=25)
    return payday - dt.timedelta(days=max(0, payday.weekday() - 4))


def _last_day_of_month(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).month != day.month


def _account(account_id: str) -> SeedAccount:
    return next(a for accounts in SEED.values() for a in accounts if a.id == account_id)


def _payee_account(account: SeedAccount, payee: str) -> tuple[str, str]:
    digits = str(int(hashlib.blake2b(payee.encode(), digest_size=6).hexdigest(), 16))[-14:]
    if account.scheme == "IBAN":
        return ("IBAN", iban("DE", digits.rjust(18, "0")))
    return ("SortCodeAccountNumber", digits.rjust(14, "0"))
