"""The JSON-schema subset of the official specifications the sandbox answers must meet, written
from UK OB Read/Write v4.0 (`account-info-openapi.json`) and Berlin Group NextGenPSD2 1.3.9
(`psd2-api 1.3.9 2021-05-04v1.yaml`), with a small validator for it (type, required,
properties, additionalProperties, items, minItems, enum, pattern, length, date formats)."""

from __future__ import annotations

import datetime as dt
import re

S = {"type": "string"}
DATE_TIME = {"type": "string", "format": "date-time"}
OB_AMOUNT = {"type": "object", "required": ["Amount", "Currency"], "properties": {
    "Amount": {"type": "string", "pattern": r"^\d{1,13}$|^\d{1,13}\.\d{1,5}$"},
    "Currency": {"type": "string", "pattern": "^[A-Z]{3,3}$"},
    "SubType": {"enum": ["BCUR", "LCUR"]}}}
LINKS = {"type": "object", "required": ["Self"], "additionalProperties": False,
         "properties": {k: S for k in ("Self", "First", "Prev", "Next", "Last")}}
META = {"type": "object", "additionalProperties": False, "properties": {
    "TotalPages": {"type": "integer"}, "FirstAvailableDateTime": DATE_TIME,
    "LastAvailableDateTime": DATE_TIME}}

OB_CONSENT = {"type": "object", "required": ["Data", "Risk"], "additionalProperties": False,
              "properties": {"Data": {"type": "object", "required": [
                  "ConsentId", "CreationDateTime", "Status", "StatusUpdateDateTime",
                  "Permissions"], "properties": {
                  "ConsentId": {"type": "string", "minLength": 1, "maxLength": 128},
                  "CreationDateTime": DATE_TIME, "StatusUpdateDateTime": DATE_TIME,
                  "Status": {"enum": ["AWAU", "RJCT", "AUTH", "EXPD", "CANC"]},
                  "Permissions": {"type": "array", "minItems": 1, "items": S},
                  "ExpirationDateTime": DATE_TIME}},
                  "Risk": {"type": "object", "additionalProperties": False},
                  "Links": LINKS, "Meta": META}}

OB_ACCOUNTS = {"type": "object", "required": ["Data"], "additionalProperties": False,
               "properties": {"Data": {"type": "object", "properties": {"Account": {
                   "type": "array", "items": {
                       "type": "object", "required": ["AccountId"],
                       "additionalProperties": False, "properties": {
                           "AccountId": {"type": "string", "minLength": 1, "maxLength": 40},
                           "Status": {"enum": ["Deleted", "Disabled", "Enabled", "Pending",
                                               "ProForma"]},
                           "StatusUpdateDateTime": DATE_TIME,
                           "Currency": {"type": "string", "pattern": "^[A-Z]{3,3}$"},
                           "AccountCategory": {"enum": ["Business", "Personal"]},
                           "AccountTypeCode": S, "Description": S, "Nickname": S,
                           "Account": {"type": "array", "items": {
                               "type": "object", "required": ["SchemeName", "Identification"],
                               "properties": {"SchemeName": S, "Identification": S,
                                              "Name": S}}}}}}}},
                   "Links": LINKS, "Meta": META}}

OB_BALANCES = {"type": "object", "required": ["Data"], "additionalProperties": False,
               "properties": {"Data": {"type": "object", "required": ["Balance"], "properties": {
                   "Balance": {"type": "array", "minItems": 1, "items": {
                       "type": "object", "required": ["AccountId", "CreditDebitIndicator",
                                                      "Type", "DateTime", "Amount"],
                       "properties": {
                           "AccountId": {"type": "string", "minLength": 1, "maxLength": 40},
                           "CreditDebitIndicator": {"enum": ["Credit", "Debit"]},
                           "Type": {"enum": ["CLAV", "CLBD", "FWAV", "INFO", "ITAV", "ITBD",
                                             "OPAV", "OPBD", "PRCD", "XPCD"]},
                           "DateTime": DATE_TIME, "Amount": OB_AMOUNT,
                           "CreditLine": {"type": "array", "items": {
                               "type": "object", "required": ["Included"], "properties": {
                                   "Included": {"type": "boolean"},
                                   "Type": {"enum": ["Available", "Credit", "Emergency",
                                                     "Pre-Agreed", "Temporary"]},
                                   "Amount": OB_AMOUNT}}}}}}}},
                   "Links": LINKS, "Meta": META}}

PARTY_ACCOUNT = {"type": "object", "properties": {
    "SchemeName": S, "Identification": {"type": "string", "maxLength": 256},
    "Name": {"type": "string", "maxLength": 350}, "SecondaryIdentification": S}}
OB_TRANSACTIONS = {  # OBReadTransaction6 (v4.0): OBTransaction6 with its members only
    "type": "object", "required": ["Data"], "additionalProperties": False, "properties": {
        "Data": {"type": "object", "properties": {"Transaction": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["AccountId", "CreditDebitIndicator", "Status", "BookingDateTime",
                         "Amount"],
            "properties": {
                "AccountId": {"type": "string", "minLength": 1, "maxLength": 40},
                "TransactionId": {"type": "string", "minLength": 1, "maxLength": 210},
                "TransactionReference": {"type": "string", "maxLength": 210},
                "StatementReference": {"type": "array", "items": S},
                "CreditDebitIndicator": {"enum": ["Credit", "Debit"]},
                "Status": {"enum": ["BOOK", "FUTR", "INFO", "PDNG"]},
                "TransactionMutability": {"enum": ["Mutable", "Immutable"]},
                "BookingDateTime": DATE_TIME, "ValueDateTime": DATE_TIME,
                "TransactionInformation": {"type": "string", "minLength": 1, "maxLength": 500},
                "AddressLine": S, "Amount": OB_AMOUNT, "ChargeAmount": OB_AMOUNT,
                "CurrencyExchange": {"type": "object", "required": ["SourceCurrency",
                                                                    "ExchangeRate"],
                                     "properties": {"SourceCurrency": S, "TargetCurrency": S,
                                                    "UnitCurrency": S,
                                                    "InstructedAmount": OB_AMOUNT}},
                "BankTransactionCode": {"type": "object", "required": ["Code", "SubCode"],
                                        "properties": {"Code": S, "SubCode": S}},
                "ProprietaryBankTransactionCode": {"type": "object", "required": ["Code"],
                                                   "properties": {
                                                       "Code": {"type": "string",
                                                                "maxLength": 35},
                                                       "Issuer": S}},
                "ExtendedProprietaryBankTransactionCodes": {"type": "array"},
                "PaymentPurposeCode": S, "CategoryPurposeCode": S,
                "Balance": {"type": "object", "required": ["CreditDebitIndicator", "Type",
                                                           "Amount"], "properties": {
                    "CreditDebitIndicator": {"enum": ["Credit", "Debit"]},
                    "Type": {"enum": ["CLAV", "CLBD", "FWAV", "INFO", "ITAV", "ITBD", "OPAV",
                                      "OPBD", "PRCD", "XPCD"]}, "Amount": OB_AMOUNT}},
                "MerchantDetails": {"type": "object", "additionalProperties": False,
                                    "properties": {
                                        "MerchantName": {"type": "string", "maxLength": 350},
                                        "MerchantCategoryCode": {"type": "string",
                                                                 "minLength": 3,
                                                                 "maxLength": 4}}},
                "CreditorAgent": {"type": "object"}, "CreditorAccount": PARTY_ACCOUNT,
                "UltimateCreditor": {"type": "object"}, "DebtorAgent": {"type": "object"},
                "DebtorAccount": PARTY_ACCOUNT, "UltimateDebtor": {"type": "object"},
                "CardInstrument": {"type": "object"},
                "SupplementaryData": {"type": "object"}}}}}},
        "Links": LINKS, "Meta": META}}

OB_ERROR = {"type": "object", "required": ["Errors"], "additionalProperties": False,
            "properties": {"Id": {"type": "string", "minLength": 1, "maxLength": 40},
                           "Code": S, "Message": S,
                           "Errors": {"type": "array", "minItems": 1, "items": {
                               "type": "object", "required": ["ErrorCode"],
                               "additionalProperties": False, "properties": {
                                   "ErrorCode": {"type": "string", "minLength": 4,
                                                 "maxLength": 4},
                                   "Message": {"type": "string", "minLength": 1,
                                               "maxLength": 500},
                                   "Path": S, "Url": S}}}}}

BG_STATUS = {"enum": ["received", "rejected", "valid", "revokedByPsu", "expired",
                      "terminatedByTpp", "partiallyAuthorised"]}
HREF = {"type": "object", "properties": {"href": S}}
BG_CONSENT_CREATED = {"type": "object", "required": ["consentStatus", "consentId", "_links"],
                      "properties": {"consentStatus": BG_STATUS, "consentId": S,
                                     "_links": {"type": "object", "properties": {
                                         "scaOAuth": HREF, "self": HREF, "status": HREF}}}}
BG_CONSENT = {"type": "object", "required": ["access", "recurringIndicator", "validUntil",
                                             "frequencyPerDay", "lastActionDate",
                                             "consentStatus"],
              "properties": {"access": {"type": "object"},
                             "recurringIndicator": {"type": "boolean"},
                             "validUntil": {"type": "string", "format": "date"},
                             "frequencyPerDay": {"type": "integer"},
                             "lastActionDate": {"type": "string", "format": "date"},
                             "consentStatus": BG_STATUS}}
BG_AMOUNT = {"type": "object", "required": ["currency", "amount"], "properties": {
    "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    "amount": {"type": "string", "pattern": r"^-?[0-9]{1,14}(\.[0-9]{1,3})?$"}}}
BG_ACCOUNTS = {"type": "object", "required": ["accounts"], "properties": {"accounts": {
    "type": "array", "items": {"type": "object", "required": ["currency"], "properties": {
        "resourceId": S, "iban": {"type": "string",
                                  "pattern": "^[A-Z]{2,2}[0-9]{2,2}[a-zA-Z0-9]{1,30}$"},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        "name": {"type": "string", "maxLength": 70}, "product": {"type": "string",
                                                                 "maxLength": 35},
        "status": {"enum": ["enabled", "deleted", "blocked"]},
        "bic": {"type": "string",
                "pattern": "^[A-Z]{6,6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3,3}){0,1}$"},
        "usage": {"enum": ["PRIV", "ORGA"]}}}}}}
BG_BALANCES = {"type": "object", "required": ["balances"], "properties": {"balances": {
    "type": "array", "items": {"type": "object", "required": ["balanceAmount", "balanceType"],
                               "properties": {
        "balanceAmount": BG_AMOUNT,
        "balanceType": {"enum": ["closingBooked", "expected", "openingBooked",
                                 "interimAvailable", "interimBooked", "forwardAvailable",
                                 "nonInvoiced"]},
        "creditLimitIncluded": {"type": "boolean"}, "lastChangeDateTime": DATE_TIME,
        "referenceDate": {"type": "string", "format": "date"}}}}}}
BG_ERROR = {"type": "object", "required": ["tppMessages"], "properties": {"tppMessages": {
    "type": "array", "minItems": 1, "items": {
        "type": "object", "required": ["category", "code"], "properties": {
            "category": {"enum": ["ERROR", "WARNING"]}, "code": S,
            "text": {"type": "string", "maxLength": 500}}}}}}

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def errors(value, schema: dict, path: str = "$") -> list[str]:
    found: list[str] = []
    kind = schema.get("type")
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return [f"{path}: not an integer"]
    elif kind and not isinstance(value, TYPES[kind]):
        return [f"{path}: not {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        found.append(f"{path}: {value!r} not in enum")
    if isinstance(value, str):
        found += _string_errors(value, schema, path)
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            found.append(f"{path}: too few items")
        for i, item in enumerate(value):
            found += errors(item, schema.get("items", {}), f"{path}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        found += [f"{path}.{k}: missing" for k in schema.get("required", []) if k not in value]
        if schema.get("additionalProperties") is False:
            found += [f"{path}.{k}: not allowed" for k in value if k not in props]
        for key, sub in props.items():
            if key in value:
                found += errors(value[key], sub, f"{path}.{key}")
    return found


def _string_errors(value: str, schema: dict, path: str) -> list[str]:
    found = []
    if len(value) < schema.get("minLength", 0) or len(value) > schema.get("maxLength", 1 << 30):
        found.append(f"{path}: length")
    if "pattern" in schema and not re.search(schema["pattern"], value):
        found.append(f"{path}: {value!r} does not match {schema['pattern']}")
    fmt = schema.get("format")
    try:
        if fmt == "date-time" and dt.datetime.fromisoformat(value).utcoffset() is None:
            found.append(f"{path}: date-time without zone")
        if fmt == "date":
            dt.date.fromisoformat(value)
    except ValueError:
        found.append(f"{path}: not {fmt}")
    return found


def assert_valid(value, schema: dict) -> None:
    problems = errors(value, schema)
    assert not problems, problems
