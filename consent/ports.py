"""What the consent service needs from outside, injected by `init_app` (and by tests):
a clock, the token cipher, the bank registry/connectors, and a way to revoke the access tokens
the authorisation server issued under a consent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from consent.crypto import TokenCipher
from core.db import utcnow

# revoke_tokens(session, consent_id, now) -> number revoked; runs inside the caller's transaction
TokenRevoker = Callable[[Session, str, dt.datetime], int]


def no_token_store(_session: Session, _consent_id: str, _now: dt.datetime) -> int:
    """Used until the authorisation server offers revocation by consent: tokens then stop
    working through `get_authorised_consent`, which every resource call makes."""
    return 0


@dataclass
class Adapters:
    cipher: TokenCipher
    # the bank registry (aggregation's app.extensions["banks"]), looked up when needed
    banks_provider: Callable[[], Any] = lambda: None
    revoke_tokens: TokenRevoker = no_token_store
    # overrides of the registry: {bank_id -> BankGateway} and the list of banks (tests, demos)
    gateway_factory: Callable[[str], Any] | None = None
    bank_directory: Callable[[], list[Any]] | None = None
    clock: Callable[[], dt.datetime] = utcnow
    extra: dict[str, Any] = field(default_factory=dict)

    def now(self) -> dt.datetime:
        return self.clock()

    @property
    def banks(self) -> Any:
        return self.banks_provider()
