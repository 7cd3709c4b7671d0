"""The three balance-type vocabularies banks speak, mapped to `BalanceType` and back.

- UK Open Banking v3.1: `ClosingAvailable`, `InterimAvailable`, … (13 names)
- UK Open Banking v4.0: ISO 20022 `ExternalBalanceType1Code` codes `CLAV`, `ITAV`, … (10 codes)
- Berlin Group NextGenPSD2 1.3: `closingBooked`, `interimAvailable`, … (7 names)

Each mapping is one-to-one on its vocabulary, so it reads both ways; a type a vocabulary has no
word for gives None on the way out (the `*_CLEARED` types have no v4.0 code, for example).
"""

from __future__ import annotations

from aggregation.domain import BalanceType as T

OB_V4: dict[str, T] = {
    "CLAV": T.CLOSING_AVAILABLE,
    "CLBD": T.CLOSING_BOOKED,
    "FWAV": T.FORWARD_AVAILABLE,
    "INFO": T.INFORMATION,
    "ITAV": T.INTERIM_AVAILABLE,
    "ITBD": T.INTERIM_BOOKED,
    "OPAV": T.OPENING_AVAILABLE,
    "OPBD": T.OPENING_BOOKED,
    "PRCD": T.PREVIOUSLY_CLOSED_BOOKED,
    "XPCD": T.EXPECTED,
}

OB_V31: dict[str, T] = {
    "ClosingAvailable": T.CLOSING_AVAILABLE,
    "ClosingBooked": T.CLOSING_BOOKED,
    "ClosingCleared": T.CLOSING_CLEARED,
    "Expected": T.EXPECTED,
    "ForwardAvailable": T.FORWARD_AVAILABLE,
    "Information": T.INFORMATION,
    "InterimAvailable": T.INTERIM_AVAILABLE,
    "InterimBooked": T.INTERIM_BOOKED,
    "InterimCleared": T.INTERIM_CLEARED,
    "OpeningAvailable": T.OPENING_AVAILABLE,
    "OpeningBooked": T.OPENING_BOOKED,
    "OpeningCleared": T.OPENING_CLEARED,
    "PreviouslyClosedBooked": T.PREVIOUSLY_CLOSED_BOOKED,
}

BERLIN_GROUP: dict[str, T] = {
    "closingBooked": T.CLOSING_BOOKED,
    "expected": T.EXPECTED,
    "openingBooked": T.OPENING_BOOKED,
    "interimAvailable": T.INTERIM_AVAILABLE,
    "interimBooked": T.INTERIM_BOOKED,
    "forwardAvailable": T.FORWARD_AVAILABLE,
    "nonInvoiced": T.NON_INVOICED,
}

_TO_OB_V4 = {v: k for k, v in OB_V4.items()}
_TO_OB_V31 = {v: k for k, v in OB_V31.items()}
_TO_BERLIN_GROUP = {v: k for k, v in BERLIN_GROUP.items()}


def from_ob(code: str) -> T | None:
    """An OB balance `Type`: v4.0 code, or a v3.1 name from a bank not yet on v4.0."""
    return OB_V4.get(code) or OB_V31.get(code)


def from_berlin_group(name: str) -> T | None:
    return BERLIN_GROUP.get(name)


def to_ob_v4(balance_type: T) -> str | None:
    return _TO_OB_V4.get(balance_type)


def to_ob_v31(balance_type: T) -> str | None:
    return _TO_OB_V31.get(balance_type)


def to_berlin_group(balance_type: T) -> str | None:
    return _TO_BERLIN_GROUP.get(balance_type)
