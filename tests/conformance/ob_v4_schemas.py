"""JSON Schemas of the UK Open Banking Read/Write v4.0 Account and Transaction API answers this
service gives, derived by hand from the official OpenAPI 3.0 description
(OpenBankingUK/read-write-api-specs, `account-info-openapi.json`, info.version 4.0.0).

Derived, not copied: descriptions and examples are left out; every constraint a validator
checks is kept as the official file has it — `required`, `additionalProperties: false` where
the file sets it (and nowhere else), enums, patterns, lengths, `minItems`, formats. The
namespaced enums (`x-namespaced-enum`) are not JSON Schema keywords, so the official file does
not enforce them either; they are kept as the same annotation.
"""

from __future__ import annotations

import jsonschema_rs

STRING = {"type": "string"}
DATE_TIME = {"type": "string", "format": "date-time"}
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3,3}$"}
AMOUNT = {"type": "string", "pattern": r"^\d{1,13}$|^\d{1,13}\.\d{1,5}$"}
URI = {"type": "string", "format": "uri"}

LINKS = {"type": "object", "required": ["Self"], "additionalProperties": False,
         "properties": {name: URI for name in ("Self", "First", "Prev", "Next", "Last")}}
META = {"type": "object", "additionalProperties": False, "properties": {
    "TotalPages": {"type": "integer", "format": "int32"},
    "FirstAvailableDateTime": DATE_TIME, "LastAvailableDateTime": DATE_TIME}}

PERMISSION_CODES = [
    "ReadAccountsBasic", "ReadAccountsDetail", "ReadBalances", "ReadBeneficiariesBasic",
    "ReadBeneficiariesDetail", "ReadDirectDebits", "ReadOffers", "ReadPAN", "ReadParty",
    "ReadPartyPSU", "ReadProducts", "ReadScheduledPaymentsBasic", "ReadScheduledPaymentsDetail",
    "ReadStandingOrdersBasic", "ReadStandingOrdersDetail", "ReadStatementsBasic",
    "ReadStatementsDetail", "ReadTransactionsBasic", "ReadTransactionsCredits",
    "ReadTransactionsDebits", "ReadTransactionsDetail"]

# OBReadConsentResponse1: only the top level is closed (Data is open in the official file).
OB_READ_CONSENT_RESPONSE_1 = {
    "type": "object", "required": ["Data", "Risk"], "additionalProperties": False,
    "properties": {
        "Data": {"type": "object", "required": ["ConsentId", "CreationDateTime", "Status",
                                                "StatusUpdateDateTime", "Permissions"],
                 "properties": {
                     "ConsentId": {"type": "string", "minLength": 1, "maxLength": 128},
                     "CreationDateTime": DATE_TIME,
                     "Status": {"type": "string",
                                "enum": ["AWAU", "RJCT", "AUTH", "EXPD", "CANC"]},
                     "StatusReason": {"type": "array", "items": {"type": "object", "properties": {
                         "StatusReasonCode": {"type": "string", "minLength": 1, "maxLength": 4},
                         "StatusReasonDescription": {"type": "string", "minLength": 1,
                                                     "maxLength": 500},
                         "Path": {"type": "string", "minLength": 1, "maxLength": 500}}}},
                     "StatusUpdateDateTime": DATE_TIME,
                     "Permissions": {"type": "array", "minItems": 1,
                                     "items": {"type": "string", "enum": PERMISSION_CODES}},
                     "ExpirationDateTime": DATE_TIME,
                     "TransactionFromDateTime": DATE_TIME,
                     "TransactionToDateTime": DATE_TIME}},
        "Risk": {"type": "object", "additionalProperties": False, "properties": {}},
        "Links": LINKS, "Meta": META}}

ACCOUNT_IDENTIFICATION = {
    "type": "object", "required": ["SchemeName", "Identification"], "properties": {
        "SchemeName": {"type": "string", "x-namespaced-enum": [
            "UK.OBIE.BBAN", "UK.OBIE.IBAN", "UK.OBIE.PAN", "UK.OBIE.Paym",
            "UK.OBIE.SortCodeAccountNumber", "UK.OBIE.Wallet"]},
        "Identification": {"type": "string", "minLength": 1, "maxLength": 256},
        "Name": {"type": "string", "minLength": 1, "maxLength": 350},
        "LEI": {"type": "string", "minLength": 1, "maxLength": 20,
                "pattern": "^[A-Z0-9]{18,18}[0-9]{2,2}$"},
        "SecondaryIdentification": {"type": "string", "minLength": 1, "maxLength": 34}}}

OB_ACCOUNT_6 = {
    "type": "object", "required": ["AccountId"], "additionalProperties": False,
    "properties": {
        "AccountId": {"type": "string", "minLength": 1, "maxLength": 40},
        "Status": {"type": "string",
                   "enum": ["Deleted", "Disabled", "Enabled", "Pending", "ProForma"]},
        "StatusUpdateDateTime": DATE_TIME,
        "Currency": CURRENCY,
        "AccountCategory": {"type": "string", "enum": ["Business", "Personal"]},
        "AccountTypeCode": {"type": "string", "enum": [
            "CACC", "CARD", "CASH", "CHAR", "CISH", "COMM", "CPAC", "LLSV", "LOAN", "MGLD",
            "MOMA", "NREX", "ODFT", "ONDP", "OTHR", "SACC", "SLRY", "SVGS", "TAXE", "TRAN",
            "TRAS", "VACC", "NFCA", "MORT", "WALT"]},
        "Description": {"type": "string", "minLength": 1, "maxLength": 35},
        "Nickname": {"type": "string", "minLength": 1, "maxLength": 70},
        "OpeningDate": DATE_TIME,
        "MaturityDate": DATE_TIME,
        "SwitchStatus": {"type": "string", "x-namespaced-enum": [
            "UK.CASS.NotSwitched", "UK.CASS.SwitchCompleted"]},
        "Account": {"type": "array", "items": ACCOUNT_IDENTIFICATION},
        "StatementFrequencyAndFormat": {"type": "array", "items": {"type": "object", "properties": {
            "Frequency": {"type": "string", "enum": ["YEAR", "DAIL", "INDA", "MNTH", "QURT",
                                                     "MIAN", "TEND", "MOVE", "WEEK"]},
            "CommunicationMethod": {"type": "string",
                                    "enum": ["EMAL", "FAXI", "FILE", "ONLI", "POST"]},
            "Format": {"type": "string", "enum": ["DPDF", "DXML", "SDSH", "WORD", "XSLT"]},
            "DeliveryAddress": {"type": "object"}}}},
        "Servicer": {"type": "object", "required": ["SchemeName", "Identification"],
                     "properties": {
                         "SchemeName": {"type": "string", "x-namespaced-enum": ["UK.OBIE.BICFI"]},
                         "Identification": {"type": "string", "minLength": 1, "maxLength": 35},
                         "Name": {"type": "string", "minLength": 1, "maxLength": 140}}}}}

OB_READ_ACCOUNT_6 = {
    "type": "object", "required": ["Data"], "additionalProperties": False,
    "properties": {"Data": {"type": "object", "properties": {
        "Account": {"type": "array", "items": OB_ACCOUNT_6}}},
        "Links": LINKS, "Meta": META}}

MONEY = {"type": "object", "required": ["Amount", "Currency"],
         "properties": {"Amount": AMOUNT, "Currency": CURRENCY}}
SUB_TYPE = {"type": "string", "enum": ["BCUR", "LCUR"]}

OB_READ_BALANCE_1 = {
    "type": "object", "required": ["Data"], "additionalProperties": False,
    "properties": {
        "Data": {"type": "object", "required": ["Balance"], "properties": {
            "Balance": {"type": "array", "minItems": 1, "items": {
                "type": "object",
                "required": ["AccountId", "CreditDebitIndicator", "Type", "DateTime", "Amount"],
                "properties": {
                    "AccountId": {"type": "string", "minLength": 1, "maxLength": 40},
                    "CreditDebitIndicator": {"type": "string", "enum": ["Credit", "Debit"]},
                    "Type": {"type": "string", "enum": ["CLAV", "CLBD", "FWAV", "INFO", "ITAV",
                                                        "ITBD", "OPAV", "OPBD", "PRCD", "XPCD"]},
                    "DateTime": DATE_TIME,
                    "Amount": {**MONEY, "properties": {**MONEY["properties"],
                                                       "SubType": SUB_TYPE}},
                    "CreditLine": {"type": "array", "items": {
                        "type": "object", "required": ["Included"], "properties": {
                            "Included": {"type": "boolean"},
                            "Type": {"type": "string", "enum": [
                                "Available", "Credit", "Emergency", "Pre-Agreed", "Temporary"]},
                            "Amount": MONEY}}},
                    "LocalAmount": {**MONEY, "properties": {**MONEY["properties"],
                                                            "SubType": SUB_TYPE}}}}},
            "TotalValue": MONEY}},
        "Links": LINKS, "Meta": META}}

OB_ERROR_RESPONSE_1 = {
    "type": "object", "required": ["Errors"], "additionalProperties": False,
    "properties": {
        "Id": {"type": "string", "minLength": 1, "maxLength": 40},
        "Code": {"type": "string", "minLength": 1, "maxLength": 40},
        "Message": {"type": "string", "minLength": 1, "maxLength": 500},
        "Errors": {"type": "array", "minItems": 1, "items": {
            "type": "object", "required": ["ErrorCode"], "additionalProperties": False,
            "minProperties": 1, "properties": {
                "ErrorCode": {"type": "string", "minLength": 4, "maxLength": 4},
                "Message": {"type": "string", "minLength": 1, "maxLength": 500},
                "Path": {"type": "string", "minLength": 1, "maxLength": 500},
                "Url": STRING}}}}}

VALIDATORS = {name: jsonschema_rs.Draft4Validator(schema, validate_formats=True)
              for name, schema in {
                  "OBReadConsentResponse1": OB_READ_CONSENT_RESPONSE_1,
                  "OBReadAccount6": OB_READ_ACCOUNT_6,
                  "OBReadBalance1": OB_READ_BALANCE_1,
                  "OBErrorResponse1": OB_ERROR_RESPONSE_1}.items()}


def violations(instance, schema_name: str) -> list[str]:
    """Every way `instance` breaks the named schema (empty when it is valid)."""
    return [f"{e.instance_path}: {e.message}"
            for e in VALIDATORS[schema_name].iter_errors(instance)]
