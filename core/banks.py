"""The banks this service reaches, as the packages that only name them see them: consent (the
PSU's choice of banks) and status (availability per bank). Aggregation's bank registry
publishes this interface; nobody else needs its configuration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class BankInfo:
    id: str
    name: str
    standard: str = ""


class BankDirectory(Protocol):
    def banks(self) -> list[BankInfo]: ...

    def __contains__(self, bank_id: object) -> bool: ...


@dataclass(frozen=True)
class BankList:
    """A fixed directory (no banks by default; tests and demos list their own)."""

    listed: tuple[BankInfo, ...] = ()

    def banks(self) -> list[BankInfo]:
        return list(self.listed)

    def __contains__(self, bank_id: object) -> bool:
        return any(bank.id == bank_id for bank in self.listed)
