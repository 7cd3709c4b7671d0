"""IBAN check digits (ISO 13616, MOD 97-10), for the demo data of both the payee directory
and the sandbox banks."""

from __future__ import annotations


def iban(country: str, bban: str) -> str:
    """An IBAN with correct check digits for a country and its domestic account id."""
    digits = (bban + country + "00").upper()
    number = "".join(str(int(ch, 36)) for ch in digits)
    return f"{country}{98 - int(number) % 97:02d}{bban}"
