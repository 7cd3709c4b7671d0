"""Decisions and directory outcomes to UK CoP and EU VoP codes."""

import pytest

from cop.codes import (
    DirectoryStatus,
    EuCode,
    UkReason,
    eu_report,
    eu_status_report,
    uk_report,
    uk_status_report,
)
from cop.matching import Holder, decide


def check(entered, holder_name, holder_type="personal", entered_type=None):
    return decide(entered, Holder((holder_name,), holder_type), entered_type)


@pytest.mark.parametrize(
    ("entered", "held", "held_type", "entered_type", "matched", "reason", "name"),
    [
        ("John Smith", "John Smith", "personal", "personal", True, None, None),
        ("Jon Smith", "John Smith", "personal", "personal", False, UkReason.MBAM, "John Smith"),
        ("Peter Jones", "John Smith", "personal", "personal", False, UkReason.ANNM, None),
        ("Acme Ltd", "Acme Ltd", "business", "personal", False, UkReason.BANM, None),
        ("John Smith", "John Smith", "personal", "business", False, UkReason.PANM, None),
        ("Acme", "Acme Ltd", "business", "personal", False, UkReason.BAMM, "Acme Ltd"),
        ("Jon Smith", "John Smith", "personal", "business", False, UkReason.PAMM, "John Smith"),
        ("Peter Jones", "John Smith", "personal", "business", False, UkReason.ANNM, None),
    ],
)
def test_uk_report(entered, held, held_type, entered_type, matched, reason, name):
    report = uk_report(check(entered, held, held_type, entered_type))
    assert (report.matched, report.reason_code, report.name) == (matched, reason, name)


@pytest.mark.parametrize(
    ("entered", "held", "code", "name"),
    [
        ("John Smith", "John Smith", EuCode.MTCH, None),
        ("Jon Smith", "John Smith", EuCode.CMTC, "John Smith"),
        ("Peter Jones", "John Smith", EuCode.NMTC, None),
    ],
)
def test_eu_report_returns_a_name_iff_close_match(entered, held, code, name):
    report = eu_report(check(entered, held))
    assert (report.party_name_match, report.matched_name) == (code, name)


def test_eu_ignores_account_type():
    report = eu_report(check("John Smith", "John Smith", "personal", "business"))
    assert report.party_name_match is EuCode.MTCH


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (DirectoryStatus.UNKNOWN_BANK, UkReason.SCNS),
        (DirectoryStatus.UNKNOWN_ACCOUNT, UkReason.AC01),
        (DirectoryStatus.CLOSED, UkReason.AC01),
        (DirectoryStatus.OPTED_OUT, UkReason.OPTO),
        (DirectoryStatus.SWITCHED, UkReason.CASS),
        (DirectoryStatus.SECONDARY_REFERENCE_INVALID, UkReason.IVCR),
        (DirectoryStatus.NOT_SUPPORTED, UkReason.ACNS),
    ],
)
def test_directory_outcomes(status, reason):
    uk = uk_status_report(status)
    assert (uk.matched, uk.reason_code, uk.name) == (False, reason, None)
    eu = eu_status_report(status)
    assert (eu.party_name_match, eu.matched_name) == (EuCode.NOAP, None)
