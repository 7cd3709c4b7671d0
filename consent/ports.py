"""What the consent service needs from outside, injected by `init_app` (and by tests): a clock,
the token cipher, the banks (a `core.banks.BankDirectory` and a `BankGateway` per bank, handed
over by aggregation), and a way to revoke the access tokens the authorisation server issued
under a consent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from consent.audit import Actor
from consent.bankflow import BankGateway, no_gateway
from consent.crypto import TokenCipher
from core.banks import BankDirectory, BankList
from core.db import utcnow

# revoke_tokens(session, consent_id, now) -> number revoked; runs inside the caller's transaction
TokenRevoker = Callable[[Session, str, dt.datetime], int]


def no_token_store(_session: Session, _consent_id: str, _now: dt.datetime) -> int:
    """For services built without the authorisation server (tests): tokens then stop working
    through `get_authorised_consent`, which every resource call makes."""
    return 0


@dataclass
class Adapters:
    cipher: TokenCipher
    revoke_tokens: TokenRevoker = no_token_store
    banks: BankDirectory = field(default_factory=BankList)
    gateway_factory: Callable[[str], BankGateway] = no_gateway
    clock: Callable[[], dt.datetime] = utcnow
    extra: dict[str, Any] = field(default_factory=dict)
    # run in the unit of work that ends a consent (revoked, expired): erase what other
    # packages keep for it, e.g. aggregation's transactions. (session, consent_id, reason)
    on_end: list[Callable[[Session, str, str], Any]] = field(default_factory=list)
    # psu_id -> its keyed pseudonym (core.personal_data): what the audit trail records, so
    # erasing a PSU never has to touch the append-only chain
    pseudonymise: Callable[[str], str] = str

    def now(self) -> dt.datetime:
        return self.clock()

    def psu_actor(self, psu_id: str, interaction_id: str | None = None) -> Actor:
        return Actor("psu", self.pseudonymise(psu_id), interaction_id)
