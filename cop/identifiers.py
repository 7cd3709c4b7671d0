"""Account and bank identifiers: IBAN (ISO 13616, mod-97), BIC (ISO 9362), UK sort code and
account number. Pure; used by schemas to reject malformed requests before any lookup."""

from __future__ import annotations

import re

# IBAN lengths by country: SEPA countries and the UK, where payee checks apply.
IBAN_LENGTHS: dict[str, int] = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18,
    "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28,
    "IE": 22, "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MT": 31,
    "NL": 18, "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27,
    "VA": 22,
}
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_LETTER_DIGITS = str.maketrans({chr(c): str(c - 55) for c in range(ord("A"), ord("Z") + 1)})
_SCAN = re.compile(r"^[0-9]{14}$")
_SORT_CODE = re.compile(r"^[0-9]{6}$")
_ACCOUNT_NUMBER = re.compile(r"^[0-9]{8}$")


def compact_iban(value: str) -> str:
    """IBANs are printed in groups of four; compare them without spaces, upper case."""
    return "".join(value.split()).upper()


def iban_problem(value: str) -> str | None:
    """Why `value` is not a valid IBAN, or None when it is."""
    iban = compact_iban(value)
    if not _IBAN_SHAPE.match(iban):
        return "not an IBAN: two letters, two check digits, then letters and digits"
    expected = IBAN_LENGTHS.get(iban[:2])
    if expected is not None and len(iban) != expected:
        return f"an IBAN of {iban[:2]} has {expected} characters, not {len(iban)}"
    digits = (iban[4:] + iban[:4]).translate(_LETTER_DIGITS)
    if int(digits) % 97 != 1:
        return "the IBAN check digits are wrong"
    return None


def is_valid_bic(value: str) -> bool:
    return bool(_BIC.match(value))


def split_scan(identification: str) -> tuple[str, str] | None:
    """UK `Identification`: sort code (6 digits) followed by account number (8 digits)."""
    if not _SCAN.match(identification):
        return None
    return identification[:6], identification[6:]


def is_sort_code(value: str) -> bool:
    return bool(_SORT_CODE.match(value))


def is_account_number(value: str) -> bool:
    return bool(_ACCOUNT_NUMBER.match(value))
