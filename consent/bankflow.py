"""The consent package's view of the bank connectors (aggregation/connectors): run a bank's
own consent + OAuth flow for a PSU, and delete a bank-side consent. Everything a connector
raises becomes one `BankFailure` naming the bank and the kind of failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class BankFailure(Exception):
    def __init__(self, bank_id: str, kind: str, detail: str = "") -> None:
        super().__init__(f"{bank_id}: {kind}")
        self.bank_id = bank_id
        self.kind = kind
        self.detail = detail


@dataclass(frozen=True)
class BankInfo:
    bank_id: str
    name: str
    standard: str


def list_banks(adapters) -> list[BankInfo]:
    registry = adapters.banks
    if registry is None:
        return []
    return [BankInfo(b["bank_id"], b["name"], b.get("standard", "")) for b in _iter(registry)]


def _iter(registry: Any) -> list[dict]:
    raise NotImplementedError


def delete_bank_consent(adapters, bank_id: str, bank_consent_id: str,
                        access_token: str | None) -> None:
    raise BankFailure(bank_id, "unavailable", "no connector")
