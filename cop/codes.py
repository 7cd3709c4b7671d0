"""Scheme codes, in one place: matcher decisions and directory outcomes to UK CoP and EU VoP.

The two schemes say the same things differently. UK CoP answers `Matched` plus a `ReasonCode`
and knows the account type; EU VoP answers one of four codes and has no account type. A name
is disclosed only for a close match of the name itself: UK MBAM/BAMM/PAMM and EU CMTC. A match
whose only fault is the account type (BANM/PANM) discloses nothing, the payer already has the
name right.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from cop.matching import BUSINESS, Decision, Outcome


class UkReason(StrEnum):
    ANNM = "ANNM"  # name does not match
    MBAM = "MBAM"  # close match; name returned
    BANM = "BANM"  # name matches; account is business, personal was given
    PANM = "PANM"  # name matches; account is personal, business was given
    BAMM = "BAMM"  # close match, account is business, personal was given; name returned
    PAMM = "PAMM"  # close match, account is personal, business was given; name returned
    AC01 = "AC01"  # no such account
    IVCR = "IVCR"  # secondary reference missing or wrong
    ACNS = "ACNS"  # account does not take part in payee checks
    OPTO = "OPTO"  # holder opted out of payee checks
    CASS = "CASS"  # account switched away (Current Account Switch Service)
    SCNS = "SCNS"  # sort code not served here


class EuCode(StrEnum):
    MTCH = "MTCH"
    CMTC = "CMTC"
    NMTC = "NMTC"
    NOAP = "NOAP"


class DirectoryStatus(StrEnum):
    """What the holder directory says before any name is compared."""

    FOUND = "FOUND"
    UNKNOWN_BANK = "UNKNOWN_BANK"
    UNKNOWN_ACCOUNT = "UNKNOWN_ACCOUNT"
    OPTED_OUT = "OPTED_OUT"
    SWITCHED = "SWITCHED"
    CLOSED = "CLOSED"
    SECONDARY_REFERENCE_INVALID = "SECONDARY_REFERENCE_INVALID"
    NOT_SUPPORTED = "NOT_SUPPORTED"


@dataclass(frozen=True, slots=True)
class UkReport:
    matched: bool
    reason_code: UkReason | None
    name: str | None


@dataclass(frozen=True, slots=True)
class EuReport:
    party_name_match: EuCode
    matched_name: str | None


_UK_STATUS = {
    DirectoryStatus.UNKNOWN_BANK: UkReason.SCNS,
    DirectoryStatus.UNKNOWN_ACCOUNT: UkReason.AC01,
    DirectoryStatus.CLOSED: UkReason.AC01,
    DirectoryStatus.OPTED_OUT: UkReason.OPTO,
    DirectoryStatus.SWITCHED: UkReason.CASS,
    DirectoryStatus.SECONDARY_REFERENCE_INVALID: UkReason.IVCR,
    DirectoryStatus.NOT_SUPPORTED: UkReason.ACNS,
}


def uk_reason(decision: Decision) -> UkReason | None:
    """The UK reason code for a decision; None for a plain match."""
    if decision.name_outcome is Outcome.NO_MATCH:
        return UkReason.ANNM
    held_business = decision.holder_type == BUSINESS
    if decision.name_outcome is Outcome.MATCH:
        if not decision.account_type_mismatch:
            return None
        return UkReason.BANM if held_business else UkReason.PANM
    if not decision.account_type_mismatch:
        return UkReason.MBAM
    return UkReason.BAMM if held_business else UkReason.PAMM


def uk_report(decision: Decision) -> UkReport:
    reason = uk_reason(decision)
    name = decision.matched_name if decision.name_outcome is Outcome.CLOSE_MATCH else None
    return UkReport(matched=reason is None, reason_code=reason, name=name)


def uk_status_report(status: DirectoryStatus) -> UkReport:
    return UkReport(matched=False, reason_code=_UK_STATUS[status], name=None)


def eu_report(decision: Decision) -> EuReport:
    """EU VoP has no account type: the name comparison alone decides."""
    if decision.name_outcome is Outcome.MATCH:
        return EuReport(EuCode.MTCH, None)
    if decision.name_outcome is Outcome.CLOSE_MATCH:
        return EuReport(EuCode.CMTC, decision.matched_name)
    return EuReport(EuCode.NMTC, None)


def eu_status_report(status: DirectoryStatus) -> EuReport:
    """Every directory outcome other than a found account is 'verification not possible'."""
    return EuReport(EuCode.NOAP, None)
