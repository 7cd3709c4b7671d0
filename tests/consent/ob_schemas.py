"""JSON Schema subset of the OB Account and Transaction API v4.0 (account-info-openapi.json,
OpenBankingUK/read-write-api-specs, version 4.0.0): the consent response, its status reasons,
Links/Meta, and OB errors. Written by hand from the spec's structure; checked with `validate`,
a small validator for the keywords used here (type, required, properties,
additionalProperties, enum, items, minItems, minLength, maxLength, format date-time)."""

from __future__ import annotations

import datetime as dt
from typing import Any

PERMISSIONS = [
    "ReadAccountsBasic", "ReadAccountsDetail", "ReadBalances", "ReadBeneficiariesBasic",
    "ReadBeneficiariesDetail", "ReadDirectDebits", "ReadOffers", "ReadPAN", "ReadParty",
    "ReadPartyPSU", "ReadProducts", "ReadScheduledPaymentsBasic", "ReadScheduledPaymentsDetail",
    "ReadStandingOrdersBasic", "ReadStandingOrdersDetail", "ReadStatementsBasic",
    "ReadStatementsDetail", "ReadTransactionsBasic", "ReadTransactionsCredits",
    "ReadTransactionsDebits", "ReadTransactionsDetail",
]
DATE_TIME = {"type": "string", "format": "date-time"}
LINKS = {"type": "object", "required": ["Self"], "additionalProperties": False,
         "properties": {k: {"type": "string"} for k in ("Self", "First", "Prev", "Next", "Last")}}
META = {"type": "object", "additionalProperties": False,
        "properties": {"TotalPages": {"type": "integer"}, "FirstAvailableDateTime": DATE_TIME,
                       "LastAvailableDateTime": DATE_TIME}}
STATUS_REASON = {"type": "object", "properties": {
    "StatusReasonCode": {"type": "string", "minLength": 1, "maxLength": 4},
    "StatusReasonDescription": {"type": "string", "minLength": 1, "maxLength": 500},
    "Path": {"type": "string", "minLength": 1, "maxLength": 500}}}
PERMISSION_LIST = {"type": "array", "minItems": 1,
                   "items": {"type": "string", "enum": PERMISSIONS}}

OB_READ_CONSENT_RESPONSE_1 = {
    "type": "object", "required": ["Data", "Risk"],
    "properties": {
        "Data": {
            "type": "object",
            "required": ["ConsentId", "CreationDateTime", "Status", "StatusUpdateDateTime",
                         "Permissions"],
            "properties": {
                "ConsentId": {"type": "string", "minLength": 1, "maxLength": 128},
                "CreationDateTime": DATE_TIME,
                "Status": {"type": "string", "enum": ["AWAU", "RJCT", "AUTH", "EXPD", "CANC"]},
                "StatusReason": {"type": "array", "items": STATUS_REASON},
                "StatusUpdateDateTime": DATE_TIME,
                "Permissions": PERMISSION_LIST,
                "ExpirationDateTime": DATE_TIME,
                "TransactionFromDateTime": DATE_TIME,
                "TransactionToDateTime": DATE_TIME,
            },
        },
        "Risk": {"type": "object", "additionalProperties": False, "properties": {}},
        "Links": LINKS,
        "Meta": META,
    },
}

OB_ERROR_1 = {"type": "object", "required": ["ErrorCode"], "additionalProperties": False,
              "properties": {"ErrorCode": {"type": "string", "minLength": 4, "maxLength": 4},
                             "Message": {"type": "string", "minLength": 1, "maxLength": 500},
                             "Path": {"type": "string", "minLength": 1, "maxLength": 500},
                             "Url": {"type": "string"}}}
# OBErrorResponse1: Errors[] required, three deprecated members beside it, nothing else.
OB_ERROR_RESPONSE_1 = {"type": "object", "required": ["Errors"], "additionalProperties": False,
                       "properties": {"Id": {"type": "string", "minLength": 1, "maxLength": 40},
                                      "Code": {"type": "string", "minLength": 1,
                                               "maxLength": 40},
                                      "Message": {"type": "string", "minLength": 1,
                                                  "maxLength": 500},
                                      "Errors": {"type": "array", "minItems": 1,
                                                 "items": OB_ERROR_1}}}

TYPES = {"object": dict, "array": list, "string": str, "boolean": bool}


def validate(instance: Any, schema: dict, path: str = "$") -> list[str]:
    """Every violation, as 'path: message'; empty when `instance` conforms."""
    errors: list[str] = []
    kind = schema.get("type")
    if kind == "integer":
        if not isinstance(instance, int) or isinstance(instance, bool):
            return [f"{path}: not an integer"]
    elif kind and not isinstance(instance, TYPES[kind]):
        return [f"{path}: not a {kind}"]
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: {instance!r} not in enum")
    if isinstance(instance, str):
        if len(instance) < schema.get("minLength", 0):
            errors.append(f"{path}: shorter than {schema['minLength']}")
        if len(instance) > schema.get("maxLength", 10**9):
            errors.append(f"{path}: longer than {schema['maxLength']}")
        if schema.get("format") == "date-time":
            try:
                if dt.datetime.fromisoformat(instance).tzinfo is None:
                    errors.append(f"{path}: date-time without a zone")
            except ValueError:
                errors.append(f"{path}: not a date-time")
    if isinstance(instance, list):
        if len(instance) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        for i, item in enumerate(instance):
            errors += validate(item, schema.get("items", {}), f"{path}[{i}]")
    if isinstance(instance, dict):
        for name in schema.get("required", []):
            if name not in instance:
                errors.append(f"{path}: missing {name}")
        properties = schema.get("properties", {})
        for name, value in instance.items():
            if name in properties:
                errors += validate(value, properties[name], f"{path}.{name}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected member {name}")
    return errors


def test_validator_catches_violations():
    good = {"Data": {"ConsentId": "c", "CreationDateTime": "2026-01-01T00:00:00+00:00",
                     "Status": "AWAU", "StatusUpdateDateTime": "2026-01-01T00:00:00Z",
                     "Permissions": ["ReadBalances"]}, "Risk": {}}
    assert validate(good, OB_READ_CONSENT_RESPONSE_1) == []
    bad = {"Data": {**good["Data"], "Status": "Authorised", "Permissions": [],
                    "CreationDateTime": "2026-01-01T00:00:00"}, "Risk": {"x": 1}}
    assert len(validate(bad, OB_READ_CONSENT_RESPONSE_1)) == 4
