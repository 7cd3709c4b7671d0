"""JSON Schemas (draft 2020-12) of the payee-check messages, written from the scheme texts.

EU VoP: the EPC "Verification of Payee Scheme Inter-PSP API Specification" (EPC103-24) as its
public derivations reproduce it (requesting-PSP YAML of the EPC API, scheme FAQ): request
`party` / `partyAccount` / `partyAgent` / `requestingAgent` /
`unstructuredRemittanceInformation`; answer `partyNameMatch`, `partyIdMatch`, `matchedName`
(if and only if CMTC); error `code` and `type`, both mandatory.
UK CoP: Pay.UK's name-verification messages in the Open Banking Read/Write envelope
(`Data.VerificationReport` with `Matched`, `ReasonCode`, `Name`) and the OB error
`OBErrorResponse1` of the v3.1 profile that CoP uses (`Code`, `Message`, `Errors[]`).

Closed objects (`additionalProperties: false`) and enums wherever the scheme texts enumerate;
where they leave a body open (the EPC error beyond `code` and `type`) so do these.
"""

from __future__ import annotations

import jsonschema_rs

DRAFT = "https://json-schema.org/draft/2020-12/schema"
MAX140 = {"type": "string", "minLength": 1, "maxLength": 140}
MAX35 = {"type": "string", "minLength": 1, "maxLength": 35}
BIC = {"type": "string", "pattern": "^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$"}
IBAN = {"type": "string", "pattern": "^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$"}
LEI = {"type": "string", "pattern": "^[A-Z0-9]{18}[0-9]{2}$"}


def closed(properties: dict, required=(), **extra) -> dict:
    return {"type": "object", "properties": properties, "required": list(required),
            "additionalProperties": False, **extra}


# --- EU Verification of Payee ---------------------------------------------------------------

NAME_MATCH = {"enum": ["MTCH", "CMTC", "NMTC", "NOAP"]}
ID_MATCH = {"enum": ["MTCH", "NMTC", "NOAP"]}
AGENT = closed({"financialInstitutionId": closed({"bicfi": BIC}, ["bicfi"])},
               ["financialInstitutionId"])
SCHEME_NAME = {"oneOf": [
    closed({"code": {"enum": ["BANK", "CBID", "CHID", "CINC", "COID", "CUST", "DUNS", "EMPL",
                              "GS1G", "SREN", "SRET", "TXID", "BDID", "BOID"]}}, ["code"]),
    closed({"proprietary": MAX35}, ["proprietary"])]}
ORGANISATION_ID = closed({
    "lei": LEI, "anyBIC": BIC,
    "others": {"type": "array", "minItems": 1, "items": closed({
        "identification": {"type": "string", "minLength": 1, "maxLength": 256},
        "schemeName": SCHEME_NAME, "issuer": MAX35}, ["identification", "schemeName"])}},
    minProperties=1)
PARTY = closed({"name": MAX140,
                "identification": closed({"organisationId": ORGANISATION_ID},
                                         ["organisationId"])},
               anyOf=[{"required": ["name"]}, {"required": ["identification"]}])
VOP_REQUEST_ITEM = {
    "party": PARTY, "partyAccount": closed({"iban": IBAN}, ["iban"]),
    "partyAgent": AGENT, "requestingAgent": AGENT,
    "unstructuredRemittanceInformation": {"type": "array", "maxItems": 1, "items": MAX140}}
VOP_REQUIRED = ["party", "partyAccount", "partyAgent", "requestingAgent"]
VOP_REQUEST = {"$schema": DRAFT, **closed(VOP_REQUEST_ITEM, VOP_REQUIRED)}

_ANSWER = {"partyNameMatch": NAME_MATCH, "partyIdMatch": ID_MATCH, "matchedName": MAX140}
_ANSWER_RULES = {
    "anyOf": [{"required": ["partyNameMatch"]}, {"required": ["partyIdMatch"]}],
    # matchedName if and only if the name check is a close match
    "if": {"properties": {"partyNameMatch": {"const": "CMTC"}}, "required": ["partyNameMatch"]},
    "then": {"required": ["matchedName"]},
    "else": {"not": {"required": ["matchedName"]}}}
VOP_RESPONSE = {"$schema": DRAFT, **closed(_ANSWER, **_ANSWER_RULES)}
VOP_ERROR = {"$schema": DRAFT, "type": "object", "required": ["code", "type"], "properties": {
    "code": {"enum": ["FORMAT_ERROR", "CLIENT_INVALID", "CLIENT_INCONSISTENT",
                      "TIMESTAMP_INVALID"]},
    "type": {"type": "string", "format": "uri-reference", "minLength": 1}}}

# This service's batch extension (PSU-to-PSP bulk), built from the same items.
VOP_BULK_RESPONSE = {"$schema": DRAFT, **closed({"results": {"type": "array", "items": closed(
    {**_ANSWER, "id": {"type": ["string", "null"], "maxLength": 40}}, **_ANSWER_RULES)}},
    ["results"])}

# --- UK Confirmation of Payee ---------------------------------------------------------------

REASON_CODES = ["ANNM", "MBAM", "BANM", "PANM", "BAMM", "PAMM", "AC01", "IVCR", "ACNS", "OPTO",
                "CASS", "SCNS"]
NAME_RETURNED = ["MBAM", "BAMM", "PAMM"]
_REPORT = {"Matched": {"type": "boolean"}, "ReasonCode": {"enum": REASON_CODES},
           "Name": MAX140}
_REPORT_RULES = {"allOf": [
    # a match carries no reason; anything else names one
    {"if": {"properties": {"Matched": {"const": True}}},
     "then": {"not": {"anyOf": [{"required": ["ReasonCode"]}, {"required": ["Name"]}]}},
     "else": {"required": ["ReasonCode"]}},
    # the account name only with a close match
    {"if": {"properties": {"ReasonCode": {"enum": NAME_RETURNED}}, "required": ["ReasonCode"]},
     "then": {"required": ["Name"]}, "else": {"not": {"required": ["Name"]}}}]}
COP_DATA = {"SchemeName": {"enum": ["SortCodeAccountNumber", "UK.OBIE.SortCodeAccountNumber"]},
            "AccountType": {"enum": ["Personal", "Business"]},
            "Identification": {"type": "string", "pattern": "^[0-9]{14}$"},
            "SecondaryIdentification": {"type": "string", "minLength": 1, "maxLength": 18},
            "Name": MAX140}
COP_REQUEST = {"$schema": DRAFT, **closed({"Data": closed(
    COP_DATA, ["SchemeName", "AccountType", "Identification", "Name"])}, ["Data"])}
LINKS = closed({"Self": {"type": "string", "minLength": 1}}, ["Self"])
META = closed({"TotalItems": {"type": "integer", "minimum": 0}})
COP_RESPONSE = {"$schema": DRAFT, **closed({
    "Data": closed({"VerificationReport": closed(_REPORT, ["Matched"], **_REPORT_RULES)},
                   ["VerificationReport"]),
    "Links": LINKS, "Meta": META}, ["Data"])}
COP_BULK_RESPONSE = {"$schema": DRAFT, **closed({
    "Data": closed({"VerificationReports": {"type": "array", "items": closed(
        {**_REPORT, "Id": {"type": ["string", "null"], "maxLength": 40}}, ["Matched"],
        **_REPORT_RULES)}}, ["VerificationReports"]),
    "Links": LINKS, "Meta": META}, ["Data"])}
OB_ERROR = closed({"ErrorCode": {"type": "string", "minLength": 1, "maxLength": 128},
                   "Message": {"type": "string", "minLength": 1, "maxLength": 500},
                   "Path": {"type": "string", "minLength": 1, "maxLength": 500},
                   "Url": {"type": "string"}}, ["ErrorCode", "Message"])
OB_ERROR_RESPONSE = {"$schema": DRAFT, **closed({
    "Code": {"type": "string", "minLength": 1, "maxLength": 40},
    "Id": {"type": "string", "minLength": 1, "maxLength": 40},
    "Message": {"type": "string", "minLength": 1, "maxLength": 500},
    "Errors": {"type": "array", "minItems": 1, "items": OB_ERROR}},
    ["Code", "Message", "Errors"])}


def problems(instance, schema: dict) -> list[str]:
    """Every way `instance` breaks `schema`, with the JSON path, for a readable failure."""
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    return [f"{'/'.join(map(str, e.instance_path)) or '$'}: {e.message}"
            for e in validator.iter_errors(instance)]
