"""Requesting PSPs: which TPP client may send which BIC as `requestingAgent` (EU VoP).

The EPC scheme has a responder check the requesting PSP's BIC against the EPC Directory
Service; here the register is `cop_requesting_psps`, kept by the operator
(`flask --app wsgi cop participant …`). A request naming a BIC nobody registered is refused
with `CLIENT_INVALID`; one naming another client's BIC (the caller claims to be someone it is
not) with `CLIENT_INCONSISTENT`. Plain Python: no Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cop.identifiers import is_valid_bic
from cop.models import RequestingPsp
from core.db import unit_of_work
from core.ttlcache import TtlCache

CLIENT_INVALID = "CLIENT_INVALID"
CLIENT_INCONSISTENT = "CLIENT_INCONSISTENT"


class ParticipantError(ValueError):
    """A registration the register refuses (bad BIC, BIC held by another client)."""


def bic11(bic: str) -> str:
    """The BIC11 form the EPC directory uses: a BIC8 is its head office, branch `XXX`."""
    bic = bic.strip().upper()
    if not is_valid_bic(bic):
        raise ParticipantError(f"{bic!r} is not a BIC")
    return bic if len(bic) == 11 else bic + "XXX"


def register(session: Session, bic: str, client_id: str, *, replace: bool = False) -> str:
    """Register `bic` for `client_id`; a BIC held by another client is refused unless
    `replace` (the client was registered again under a new id)."""
    bic = bic11(bic)
    if not client_id:
        raise ParticipantError("a client_id is required")
    with unit_of_work(session):
        row = session.get(RequestingPsp, bic)
        if row is None:
            session.add(RequestingPsp(bic=bic, client_id=client_id))
        elif row.client_id != client_id:
            if not replace:
                raise ParticipantError(f"{bic} is registered to another client")
            row.client_id = client_id
    return bic


def remove(session: Session, bic: str) -> bool:
    with unit_of_work(session):
        row = session.get(RequestingPsp, bic11(bic))
        if row is None:
            return False
        session.delete(row)
    return True


def listing(session: Session) -> list[tuple[str, str]]:
    with unit_of_work(session):
        return [(r.bic, r.client_id) for r in
                session.scalars(select(RequestingPsp).order_by(RequestingPsp.bic))]


REFUSAL_DETAIL = {
    CLIENT_INVALID: "The requestingAgent BIC is not registered as a requesting PSP.",
    CLIENT_INCONSISTENT: "The requestingAgent BIC is registered to another client than the "
                         "caller.",
}


def refusal(owner: str | None, caller: str) -> str | None:
    """The EPC error code for a caller sending a BIC registered to `owner`, or None."""
    if owner is None:
        return CLIENT_INVALID
    return None if owner == caller else CLIENT_INCONSISTENT


class Register:
    """BIC -> client_id, read through a per-process cache: the register changes when the
    operator says so, and every EU check reads it. A change shows after `ttl` seconds."""

    def __init__(self, session_factory: Callable[[], Session], ttl: float = 30.0) -> None:
        self._factory = session_factory
        self._owners: TtlCache[str | None] = TtlCache(ttl)

    def owner(self, bic: str) -> str | None:
        bic = bic11(bic)
        return self._owners.get(bic, lambda: self._load(bic))

    def _load(self, bic: str) -> str | None:
        with self._factory() as session:
            row = session.get(RequestingPsp, bic)
            return row.client_id if row is not None else None

    def refused(self, bics: Sequence[str], caller: str) -> dict[int, str]:
        """By position, the EPC code refusing each BIC that is not the caller's; empty when
        the caller may send them all."""
        codes: dict[str, str | None] = {}
        out: dict[int, str] = {}
        for index, bic in enumerate(bics):
            if bic not in codes:
                codes[bic] = refusal(self.owner(bic), caller)
            if codes[bic] is not None:
                out[index] = codes[bic]
        return out

    def forget(self) -> None:
        self._owners.clear()
