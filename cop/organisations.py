"""Organisation identifiers of an EU VoP request: `party.identification.organisationId`.

The EPC inter-PSP API lets a requesting PSP identify a legal-person payee by an identifier
instead of (or beside) its name, in the ISO 20022 `OrganisationIdentification` shape: an LEI
(ISO 17442), a BIC (ISO 9362, `anyBIC`) or `others[]`, each an `identification` with a
`schemeName` (`code` from the ISO external code list ExternalOrganisationIdentification1Code,
or a `proprietary` name) and an optional `issuer`. The responder answers `partyIdMatch`.

Formats are checked where the standard defines one: the LEI's MOD 97-10 check digits
(ISO 7064, as ISO 17442 specifies), the BIC's shape, and the French SIREN/SIRET numbers behind
the codes `SREN`/`SRET` (Luhn). Each identifier becomes a `(scheme key, value)` pair, the same
keys the holder directory stores (`LEI`, `BIC`, the ISO code, or `PRTRY/<name>`), so a check
is a dictionary comparison. Pure: no Flask, no database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from cop.identifiers import is_valid_bic

# ExternalOrganisationIdentification1Code, the ISO 20022 external code list the EPC names.
SCHEME_CODES: dict[str, str] = {
    "BANK": "Bank party identification",
    "CBID": "Central bank identification number",
    "CHID": "Clearing identification number",
    "CINC": "Certificate of incorporation number",
    "COID": "Country identification code",
    "CUST": "Customer number",
    "DUNS": "Data Universal Numbering System",
    "EMPL": "Employer identification number",
    "GS1G": "GS1 GLN identifier",
    "SREN": "SIREN (France)",
    "SRET": "SIRET (France)",
    "TXID": "Tax identification number (e.g. VAT number)",
    "BDID": "Business domain identifier",
    "BOID": "Business other identification",
}
PROPRIETARY_PREFIX = "PRTRY/"
MAX_IDENTIFICATION = 256  # Max256Text in the EPC API
MAX_TEXT35 = 35  # proprietary scheme names and issuers: Max35Text

_LEI = re.compile(r"^[A-Z0-9]{18}[0-9]{2}$")
_LETTER_DIGITS = str.maketrans({chr(c): str(c - 55) for c in range(ord("A"), ord("Z") + 1)})
_DIGITS = re.compile(r"^[0-9]+$")
_SEPARATORS = re.compile(r"[\s.\-/]")


def mod97(text: str) -> int:
    """ISO 7064 MOD 97-10 remainder of an alphanumeric string (letters A=10 … Z=35)."""
    return int(text.translate(_LETTER_DIGITS)) % 97


def lei_check_digits(base: str) -> str:
    """The two check digits ISO 17442 appends to the first 18 characters of an LEI."""
    return f"{98 - mod97(base.upper() + '00'):02d}"


def lei_problem(value: Any) -> str | None:
    """Why `value` is not an LEI (ISO 17442: 18 letters or digits, then two check digits
    that make the whole string 1 modulo 97), or None."""
    if not isinstance(value, str):
        return "Not a valid string."
    if not _LEI.match(value):
        return "not an LEI: 18 capital letters or digits, then 2 check digits"
    if mod97(value) != 1 or not 2 <= int(value[18:]) <= 98:  # MOD 97-10 gives 02 … 98
        return "the LEI check digits are wrong (ISO 17442, MOD 97-10)"
    return None


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def code_format_problem(code: str, identification: str) -> str | None:
    """The formats the EPC spells out for particular codes: SIREN 9 digits, SIRET 14."""
    compact = _SEPARATORS.sub("", identification)
    length = {"SREN": 9, "SRET": 14}.get(code)
    if length and not (len(compact) == length and _DIGITS.match(compact) and luhn_ok(compact)):
        return f"a {code} identification is {length} digits with a valid Luhn check digit"
    return None


def normalise(value: str) -> str:
    """Identifiers are compared without spaces, dots, hyphens or slashes, in capitals."""
    return _SEPARATORS.sub("", value).upper()


def bic11(bic: str) -> str:
    bic = bic.upper()
    return bic if len(bic) == 11 else bic + "XXX"


def _text(value: Any, limit: int) -> str | None:
    if isinstance(value, str) and 1 <= len(value) <= limit:
        return value
    return None


def _unknown(data: Mapping, allowed: frozenset[str], errors: dict) -> None:
    for key in sorted(set(data) - allowed):
        errors[key] = ["Unknown field."]


def _other(other: Any) -> tuple[tuple[str, str] | None, dict]:
    """One `others[]` entry to its (scheme key, identification), or its errors."""
    if not isinstance(other, dict):
        return None, {"_schema": ["Invalid input type."]}
    errors: dict[str, Any] = {}
    _unknown(other, OTHER_FIELDS, errors)
    identification = _text(other.get("identification"), MAX_IDENTIFICATION)
    if identification is None:
        errors["identification"] = [f"required, 1 to {MAX_IDENTIFICATION} characters"]
    if "issuer" in other and _text(other["issuer"], MAX_TEXT35) is None:
        errors["issuer"] = [f"1 to {MAX_TEXT35} characters"]
    scheme = other.get("schemeName")
    key = None
    if not isinstance(scheme, dict) or len(set(scheme) & {"code", "proprietary"}) != 1:
        errors["schemeName"] = ["give exactly one of code or proprietary"]
    else:
        scheme_errors: dict[str, Any] = {}
        _unknown(scheme, frozenset({"code", "proprietary"}), scheme_errors)
        if "code" in scheme:
            if scheme["code"] not in SCHEME_CODES:
                scheme_errors["code"] = [f"Must be one of: {', '.join(SCHEME_CODES)}."]
            else:
                key = scheme["code"]
        elif (name := _text(scheme["proprietary"], MAX_TEXT35)) is None:
            scheme_errors["proprietary"] = [f"1 to {MAX_TEXT35} characters"]
        else:
            key = PROPRIETARY_PREFIX + name.strip().upper()
        if scheme_errors:
            errors["schemeName"] = scheme_errors
    if identification is not None and key in SCHEME_CODES and (
        problem := code_format_problem(key, identification)
    ):
        errors["identification"] = [problem]
    if errors:
        return None, errors
    return (key, identification), {}


def parse_organisation_id(raw: Any) -> tuple[dict[str, str], dict]:
    """`organisationId` to `{scheme key: identification}`, or `{field: [message]}` errors.

    At least one identifier is required; unknown members are refused, as the scheme's
    strict schema does.
    """
    if not isinstance(raw, dict):
        return {}, {"_schema": ["Invalid input type."]}
    errors: dict[str, Any] = {}
    _unknown(raw, ORGANISATION_FIELDS, errors)
    ids: dict[str, str] = {}
    if "lei" in raw:
        if problem := lei_problem(raw["lei"]):
            errors["lei"] = [problem]
        else:
            ids["LEI"] = raw["lei"]
    if "anyBIC" in raw:
        if not isinstance(raw["anyBIC"], str) or not is_valid_bic(raw["anyBIC"]):
            errors["anyBIC"] = ["not a BIC (ISO 9362: 8 or 11 characters)"]
        else:
            ids["BIC"] = raw["anyBIC"]
    if "others" in raw:
        others = raw["others"]
        if not isinstance(others, list) or not others:
            errors["others"] = ["a non-empty list"]
        else:
            problems = {}
            for index, other in enumerate(others):
                pair, other_errors = _other(other)
                if other_errors:
                    problems[index] = other_errors
                elif pair[0] not in ids:
                    ids[pair[0]] = pair[1]
            if problems:
                errors["others"] = problems
    if not ids and not errors:
        errors["_schema"] = ["give lei, anyBIC or others"]
    return ({} if errors else ids), errors


ORGANISATION_FIELDS = frozenset({"lei", "anyBIC", "others"})
OTHER_FIELDS = frozenset({"identification", "schemeName", "issuer"})


def stored_key(scheme: str) -> str:
    """A directory key as an operator writes it (`lei`, `txid`, `PRTRY/kvk`): canonical."""
    scheme = scheme.strip().upper()
    if scheme == "ANYBIC":
        return "BIC"
    return scheme


def stored_problem(scheme: str, value: str) -> str | None:
    """Why a directory entry could never match a request: a bad LEI or BIC, an unknown
    code. Checked on import so a typo is refused there, not silently never matched."""
    if scheme == "LEI":
        return lei_problem(value)
    if scheme == "BIC":
        return None if is_valid_bic(value.upper()) else "not a BIC"
    if scheme.startswith(PROPRIETARY_PREFIX):
        return None if 0 < len(scheme) - len(PROPRIETARY_PREFIX) <= MAX_TEXT35 else (
            "a proprietary scheme name is 1 to 35 characters")
    if scheme not in SCHEME_CODES:
        return (f"unknown scheme {scheme!r}: LEI, BIC, PRTRY/<name> or one of "
                f"{', '.join(SCHEME_CODES)}")
    return code_format_problem(scheme, value)


def comparable(scheme: str, value: str) -> str:
    return bic11(normalise(value)) if scheme == "BIC" else normalise(value)
