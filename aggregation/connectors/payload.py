"""Strict readers for bank JSON: each raises `BadPayload` naming the bank and the JSON path,
so a mapper is a list of reads and never lets a KeyError, TypeError or decimal error out."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from aggregation.connectors.errors import BadPayload
from aggregation.domain import InvalidMoney, Money, is_currency

_MISSING = object()


class Reader:
    def __init__(self, bank_id: str) -> None:
        self.bank_id = bank_id

    def fail(self, path: str, problem: str) -> BadPayload:
        return BadPayload(self.bank_id, "bad_payload", f"{path}: {problem}")

    def obj(self, value: Any, path: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(path, "expected an object")
        return value

    def field(self, parent: dict, key: str, path: str, default: Any = _MISSING) -> Any:
        if key not in parent or parent[key] is None:
            if default is _MISSING:
                raise self.fail(f"{path}.{key}", "missing")
            return default
        return parent[key]

    def items(self, parent: dict, key: str, path: str, *, required: bool = True,
              min_items: int = 0) -> list:
        value = self.field(parent, key, path, _MISSING if required else [])
        if not isinstance(value, list):
            raise self.fail(f"{path}.{key}", "expected an array")
        if len(value) < min_items:
            raise self.fail(f"{path}.{key}", f"needs at least {min_items} item(s)")
        return value

    def text(self, parent: dict, key: str, path: str, *, required: bool = True,
             max_length: int | None = None) -> str | None:
        value = self.field(parent, key, path, _MISSING if required else None)
        if value is None:
            return None
        if not isinstance(value, str) or not value:
            raise self.fail(f"{path}.{key}", "expected a non-empty string")
        if max_length is not None and len(value) > max_length:
            raise self.fail(f"{path}.{key}", f"longer than {max_length}")
        return value

    def choice(self, parent: dict, key: str, path: str, allowed: Any,
               required: bool = True) -> str | None:
        value = self.text(parent, key, path, required=required)
        if value is not None and value not in allowed:
            raise self.fail(f"{path}.{key}", "not a value the standard allows")
        return value

    def flag(self, parent: dict, key: str, path: str, default: bool | None = None) -> bool:
        value = self.field(parent, key, path, _MISSING if default is None else default)
        if not isinstance(value, bool):
            raise self.fail(f"{path}.{key}", "expected true or false")
        return value

    def money(self, parent: dict, key: str, path: str, *, amount_key: str, currency_key: str,
              pattern: re.Pattern[str]) -> Money:
        where = f"{path}.{key}"
        node = self.obj(self.field(parent, key, path), where)
        raw = self.field(node, amount_key, where)
        if not isinstance(raw, str) or not pattern.fullmatch(raw):
            raise self.fail(f"{where}.{amount_key}", "not an amount in the standard's format")
        currency = self.field(node, currency_key, where)
        if not is_currency(currency):
            raise self.fail(f"{where}.{currency_key}", "not an ISO 4217 currency")
        try:
            return Money(Decimal(raw), currency)
        except (InvalidOperation, InvalidMoney) as exc:
            raise self.fail(where, "not money") from exc

    def currency(self, parent: dict, key: str, path: str, *, required: bool) -> str | None:
        value = self.field(parent, key, path, _MISSING if required else None)
        if value is not None and not is_currency(value):
            raise self.fail(f"{path}.{key}", "not an ISO 4217 currency")
        return value

    def moment(self, parent: dict, key: str, path: str, *,
               required: bool = True) -> dt.datetime | None:
        """An ISO 8601 date-time with a time zone, returned in UTC."""
        value = self.field(parent, key, path, _MISSING if required else None)
        if value is None:
            return None
        parsed = _parse_datetime(value)
        if parsed is None:
            raise self.fail(f"{path}.{key}", "not an ISO 8601 date-time with a time zone")
        return parsed

    def day(self, parent: dict, key: str, path: str, *, required: bool = True) -> dt.date | None:
        value = self.field(parent, key, path, _MISSING if required else None)
        if value is None:
            return None
        if not isinstance(value, str) or len(value) != 10:
            raise self.fail(f"{path}.{key}", "not an ISO 8601 date")
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise self.fail(f"{path}.{key}", "not an ISO 8601 date") from exc


def _parse_datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or len(value) < 20 or "T" not in value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return None
    if parsed.utcoffset() is None:
        return None
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError:
        return None
