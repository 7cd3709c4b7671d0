"""What an aggregated read is about and what it returns: the caller, the consent as a read sees
it, one report per bank, and the OB refusals a read raises. No Flask, no I/O."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field
from typing import Any

from aggregation.domain import AccountRecord
from aggregation.fanout import Status
from aggregation.totals import CurrencyTotal, totals
from core.errors import Problem

CONSENT_MISMATCH = "U008"  # UK.OBIE.Resource.ConsentMismatch
NOT_FOUND = "U011"  # UK.OBIE.Resource.NotFound


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


@dataclass
class CallReport:
    """What one bank's part of a read came to; the same for balance and transaction reads,
    so both render the same `Banks` entry."""

    bank_id: str
    status: Status
    source: str = "none"  # live | cache | none
    fetched_at: dt.datetime | None = None  # when what is shown was read from the bank
    error_type: str | None = None
    retry_after: float | None = None


@dataclass
class BankReport(CallReport):
    accounts: list[AccountRecord] = field(default_factory=list)


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
    accounts: list[AccountRecord]
    banks: list[BankReport]
    detail: bool
    with_totals: bool = False  # a balance read: totals per currency
    # Set when the read was answered from the consent snapshot and the cache alone: the
    # same version is the same answer, so its rendered form may be served again.
    version: tuple | None = None

    @functools.cached_property
    def totals(self) -> list[CurrencyTotal]:
        """Summed when first asked for: an answer served as rendered before never is."""
        return totals(a.balances or () for a in self.accounts) if self.with_totals else []



def require(granted: bool, permission: str) -> None:
    if not granted:
        raise ob_problem(f"The consent does not grant {permission}.", CONSENT_MISMATCH,
                         "Data.Permissions", slug="forbidden")
