"""A fake bank connector with deterministic transaction histories: salary, rent, card
payments with merchant codes, transfers to the same customer's account at another bank,
foreign-currency spend, pending entries that book later under the same id, a page boundary
the bank repeats, and a switch to fail on page N."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from decimal import Decimal

from aggregation.connectors import errors
from aggregation.domain import AccountIdentifier, Money
from aggregation.transaction import (
    BankTransactionCode,
    Transaction,
    TransactionPage,
    TransactionStatus,
)
from tests.aggregation.test_api import FakeConnector

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
MERCHANTS = (("5411", "Greengrocer"), ("5812", "Trattoria"), ("4111", "Metro"),
             ("9999", "Unknown shop"))
CARD = BankTransactionCode("PMNT", "CCRD", "POSD")
SALARY = BankTransactionCode("PMNT", "RCDT", "SALA")
TRANSFER_OUT = BankTransactionCode("PMNT", "ICDT", "ESCT")
TRANSFER_IN = BankTransactionCode("PMNT", "RCDT", "ESCT")


def history(bank_id: str, account_id: str, days: int = 60, *, transfers_to: str | None = None,
            transfers_from: str | None = None, pending: int = 2, booked_pending: bool = False,
            ccy: str = "GBP", per_day: int = 2) -> list[Transaction]:
    """Newest first. Two card payments a day, a salary and rent each month, a transfer
    between own accounts every 10 days (out of `transfers_to`'s peer, into the other)."""
    out: list[Transaction] = []
    for day in range(days):
        base = NOW - dt.timedelta(days=day, hours=1)
        for n in range(per_day):
            mcc, name = MERCHANTS[(day + n) % len(MERCHANTS)]
            out.append(Transaction(
                account_id, f"{account_id}-c{day}-{n}", TransactionStatus.BOOKED,
                base - dt.timedelta(hours=n * 3), Money(-Decimal(f"{(day % 17) + 3}.{n}5"), ccy),
                counterparty_name=name, merchant_name=name, merchant_category_code=mcc,
                bank_transaction_code=CARD, remittance=f"card {name}"))
        if day % 30 == 5:
            out.append(Transaction(account_id, f"{account_id}-s{day}", TransactionStatus.BOOKED,
                                   base - dt.timedelta(hours=7), Money(Decimal("2500.00"), ccy),
                                   counterparty_name="Employer Ltd",
                                   bank_transaction_code=SALARY))
        if day % 30 == 6:
            out.append(Transaction(account_id, f"{account_id}-r{day}", TransactionStatus.BOOKED,
                                   base - dt.timedelta(hours=8), Money(Decimal("-950.00"), ccy),
                                   counterparty_name="Landlord",
                                   counterparty_account=AccountIdentifier(
                                       "SortCodeAccountNumber", "40400412345678"),
                                   bank_transaction_code=BankTransactionCode(
                                       "PMNT", "IDDT", "ESDD")))
        if day % 10 == 3 and (transfers_to or transfers_from):
            amount = Decimal(f"{100 + day}.00")
            sign, code = (-1, TRANSFER_OUT) if transfers_to else (1, TRANSFER_IN)
            hours = 9 if transfers_to else 5
            out.append(Transaction(account_id, f"{account_id}-t{day}", TransactionStatus.BOOKED,
                                   base - dt.timedelta(hours=hours), Money(sign * amount, ccy),
                                   counterparty_name="Own account",
                                   bank_transaction_code=code))
    for n in range(pending):
        status = TransactionStatus.BOOKED if booked_pending else TransactionStatus.PENDING
        out.append(Transaction(account_id, f"{account_id}-p{n}", status,
                               NOW + dt.timedelta(minutes=10 + n), Money(Decimal("-7.50"), ccy),
                               merchant_category_code="5814", merchant_name="Cafe"))
    out.sort(key=lambda t: t.booked_at, reverse=True)
    return out


@dataclass
class TxnConnector(FakeConnector):
    histories: dict[str, list[Transaction]] = field(default_factory=dict)
    page_size: int = 25
    fail_on_page: int | None = None  # 1-based: raise instead of yielding this page
    failure: type = errors.BankServerError
    pages_served: int = 0
    page_latency: float = 0.0  # seconds each page takes the bank (a benchmark's L)
    asked: list[dict] = field(default_factory=list)

    def read_transactions(self, access, account_id, *, booked_from, booked_to=None,
                          cursor=None, psu_present=False, psu_ip=None, timeout=None):
        self.asked.append({"account": account_id, "from": booked_from, "to": booked_to,
                           "cursor": cursor, "psu_ip": psu_ip})
        self.calls.append(("transactions", account_id, psu_ip))
        return self._pages(access, account_id, booked_from, booked_to, cursor, timeout)

    def _pages(self, access, account_id, booked_from, booked_to, cursor, timeout):
        self._maybe_fail(access, timeout)
        found = [t for t in self.histories[account_id] if t.booked_at >= booked_from
                 and (booked_to is None or t.booked_at <= booked_to)]
        start = int(cursor) if cursor else 0
        size = self.page_size
        for number, offset in enumerate(range(start, len(found), size), start=start // size + 1):
            if self.fail_on_page is not None and number == self.fail_on_page:
                raise self.failure(self.bank_id, detail=f"page {number}")
            # the bank repeats the last entry of the previous page at the top of this one
            chunk = found[max(offset - 1, 0):offset + size]
            if self.page_latency:
                time.sleep(self.page_latency)
            self.pages_served += 1
            more = offset + size < len(found)
            yield TransactionPage(tuple(chunk), str(offset + size) if more else None)
