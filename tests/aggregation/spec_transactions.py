"""JSON Schemas of the transaction listings the sandbox banks serve, derived by hand from the
official files, as tests/conformance/ob_v4_schemas.py derives the service's own answers:

- UK OB Read/Write v4.0 `OBReadTransaction6` (OpenBankingUK/read-write-api-specs,
  `dist/openapi/account-info-openapi.json`, info.version 4.0.0);
- Berlin Group NextGenPSD2 1.3.9 `transactionsResponse-200_json` (adorsys/xs2a-adapter,
  `psd2-api 1.3.9 2021-05-04v1.yaml`).

Derived, not copied: descriptions and examples are left out; `required`, `additionalProperties:
false` (only where the file sets it), enums, patterns (unanchored where the file leaves them
so), lengths and formats are kept. Members the sandboxes never send are typed, not detailed.
"""

from __future__ import annotations

import jsonschema_rs

S = {"type": "string"}
OBJ = {"type": "object"}
DATE_TIME = {"type": "string", "format": "date-time"}
URI = {"type": "string", "format": "uri"}
CURRENCY = {"type": "string", "pattern": "^[A-Z]{3,3}$"}
OB_MONEY = {"type": "object", "required": ["Amount", "Currency"], "properties": {
    "Amount": {"type": "string", "pattern": r"^\d{1,13}$|^\d{1,13}\.\d{1,5}$"},
    "Currency": CURRENCY}}
OB_CASH_ACCOUNT = {"type": "object", "properties": {
    "SchemeName": S, "Identification": {"type": "string", "minLength": 1, "maxLength": 256},
    "Name": {"type": "string", "minLength": 1, "maxLength": 350},
    "SecondaryIdentification": {"type": "string", "minLength": 1, "maxLength": 34},
    "Proxy": OBJ}}
OB_TRANSACTION_6 = {
    "type": "object", "additionalProperties": False,
    "required": ["AccountId", "CreditDebitIndicator", "Status", "BookingDateTime", "Amount"],
    "properties": {
        "AccountId": {"type": "string", "minLength": 1, "maxLength": 40},
        "TransactionId": {"type": "string", "minLength": 1, "maxLength": 210},
        "TransactionReference": {"type": "string", "minLength": 1, "maxLength": 210},
        "StatementReference": {"type": "array", "items": {"type": "string", "minLength": 1,
                                                          "maxLength": 35}},
        "CreditDebitIndicator": {"type": "string", "enum": ["Credit", "Debit"]},
        "Status": {"type": "string", "enum": ["BOOK", "FUTR", "INFO", "PDNG", "RJCT"]},
        "TransactionMutability": {"type": "string", "enum": ["Mutable", "Immutable"]},
        "BookingDateTime": DATE_TIME, "ValueDateTime": DATE_TIME,
        "TransactionInformation": {"type": "string", "minLength": 1, "maxLength": 500},
        "AddressLine": {"type": "string", "minLength": 1, "maxLength": 70},
        "Amount": OB_MONEY, "ChargeAmount": OB_MONEY,
        "CurrencyExchange": {"type": "object", "required": ["SourceCurrency", "ExchangeRate"],
                             "properties": {
                                 "SourceCurrency": CURRENCY, "TargetCurrency": CURRENCY,
                                 "UnitCurrency": CURRENCY, "ExchangeRate": {"type": "number"},
                                 "ContractIdentification": {"type": "string", "minLength": 1,
                                                            "maxLength": 35},
                                 "QuotationDate": DATE_TIME, "InstructedAmount": OB_MONEY}},
        "BankTransactionCode": {"type": "object", "required": ["Code", "SubCode"],
                                "properties": {"Code": S, "SubCode": S}},
        "ProprietaryBankTransactionCode": {
            "type": "object", "required": ["Code"], "additionalProperties": False,
            "properties": {"Code": {"type": "string", "minLength": 1, "maxLength": 35},
                           "Issuer": {"type": "string", "minLength": 1, "maxLength": 35}}},
        "ExtendedProprietaryBankTransactionCodes": {"type": "array", "items": OBJ},
        "Balance": {"type": "object", "required": ["CreditDebitIndicator", "Type", "Amount"],
                    "additionalProperties": False, "properties": {
                        "CreditDebitIndicator": {"type": "string", "enum": ["Credit", "Debit"]},
                        "Type": {"type": "string", "enum": [
                            "CLAV", "CLBD", "FWAV", "INFO", "ITAV", "ITBD", "OPAV", "OPBD",
                            "PRCD", "XPCD"]},
                        "Amount": OB_MONEY}},
        "MerchantDetails": {"type": "object", "properties": {
            "MerchantName": {"type": "string", "minLength": 1, "maxLength": 350},
            "MerchantCategoryCode": {"type": "string", "minLength": 3, "maxLength": 4}}},
        "CreditorAgent": OBJ, "CreditorAccount": OB_CASH_ACCOUNT,
        "DebtorAgent": OBJ, "DebtorAccount": OB_CASH_ACCOUNT,
        "CardInstrument": {
            "type": "object", "required": ["CardSchemeName"], "additionalProperties": False,
            "properties": {
                "CardSchemeName": {"type": "string", "enum": [
                    "AmericanExpress", "Diners", "Discover", "MasterCard", "VISA"]},
                "AuthorisationType": {"type": "string", "enum": [
                    "ConsumerDevice", "Contactless", "None", "PIN"]},
                "Name": {"type": "string", "minLength": 1, "maxLength": 70},
                "Identification": {"type": "string", "minLength": 1, "maxLength": 34}}},
        "SupplementaryData": {"type": "object", "additionalProperties": True},
        "CategoryPurposeCode": S, "PaymentPurposeCode": {"type": "string", "minLength": 1,
                                                         "maxLength": 4},
        "UltimateCreditor": OBJ, "UltimateDebtor": OBJ}}
OB_READ_TRANSACTION_6 = {
    "type": "object", "required": ["Data"], "additionalProperties": False, "properties": {
        "Data": {"type": "object", "additionalProperties": False, "properties": {
            "Transaction": {"type": "array", "items": OB_TRANSACTION_6}}},
        "Links": {"type": "object", "required": ["Self"], "additionalProperties": False,
                  "properties": {k: URI for k in ("Self", "First", "Prev", "Next", "Last")}},
        "Meta": {"type": "object", "additionalProperties": False, "properties": {
            "TotalPages": {"type": "integer", "format": "int32"},
            "FirstAvailableDateTime": DATE_TIME, "LastAvailableDateTime": DATE_TIME}}}}

BG_CURRENCY = {"type": "string", "pattern": "[A-Z]{3}"}
BG_ACCOUNT_REFERENCE = {"type": "object", "properties": {
    "iban": {"type": "string", "pattern": "[A-Z]{2,2}[0-9]{2,2}[a-zA-Z0-9]{1,30}"},
    "bban": {"type": "string", "pattern": "[a-zA-Z0-9]{1,30}"},
    "pan": {"type": "string", "maxLength": 35}, "maskedPan": {"type": "string", "maxLength": 35},
    "msisdn": {"type": "string", "maxLength": 35}, "currency": BG_CURRENCY,
    "otherAccountIdentification": S}}
BG_AMOUNT = {"type": "object", "required": ["currency", "amount"], "properties": {
    "currency": BG_CURRENCY,
    "amount": {"type": "string", "pattern": r"-?[0-9]{1,14}(\.[0-9]{1,3})?"}}}
BG_BIC = {"type": "string", "pattern": "[A-Z]{6,6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3,3}){0,1}"}
MAX35, MAX70, MAX140 = ({"type": "string", "maxLength": n} for n in (35, 70, 140))
HREF = {"type": "object", "properties": {"href": S}}
BG_TRANSACTION = {"type": "object", "required": ["transactionAmount"], "properties": {
    "transactionId": S, "entryReference": MAX35, "endToEndId": MAX35,
    "batchIndicator": {"type": "boolean"}, "batchNumberOfTransactions": {"type": "integer"},
    "mandateId": MAX35, "checkId": MAX35, "creditorId": MAX35,
    "bookingDate": {"type": "string", "format": "date"},
    "valueDate": {"type": "string", "format": "date"},
    "transactionAmount": BG_AMOUNT,
    "currencyExchange": {"type": "array", "items": {
        "type": "object",
        "required": ["sourceCurrency", "exchangeRate", "unitCurrency", "targetCurrency",
                     "quotationDate"],
        "properties": {"sourceCurrency": BG_CURRENCY, "exchangeRate": S, "unitCurrency": S,
                       "targetCurrency": BG_CURRENCY,
                       "quotationDate": {"type": "string", "format": "date"},
                       "contractIdentification": S}}},
    "creditorName": MAX70, "creditorAccount": BG_ACCOUNT_REFERENCE, "creditorAgent": BG_BIC,
    "ultimateCreditor": MAX70, "debtorName": MAX70, "debtorAccount": BG_ACCOUNT_REFERENCE,
    "debtorAgent": BG_BIC, "ultimateDebtor": MAX70,
    "remittanceInformationUnstructured": MAX140,
    "remittanceInformationUnstructuredArray": {"type": "array", "items": MAX140},
    "remittanceInformationStructured": MAX140,
    "remittanceInformationStructuredArray": {"type": "array", "items": OBJ},
    "entryDetails": {"type": "array", "items": OBJ},
    "additionalInformation": {"type": "string", "maxLength": 500},
    "additionalInformationStructured": OBJ, "purposeCode": S, "bankTransactionCode": S,
    "proprietaryBankTransactionCode": MAX35, "balanceAfterTransaction": OBJ,
    "_links": {"type": "object", "properties": {"transactionDetails": HREF}}}}
BG_TRANSACTIONS_RESPONSE = {"type": "object", "properties": {
    "account": BG_ACCOUNT_REFERENCE,
    "transactions": {"type": "object", "required": ["_links"], "properties": {
        "booked": {"type": "array", "items": BG_TRANSACTION},
        "pending": {"type": "array", "items": BG_TRANSACTION},
        "information": {"type": "array", "items": OBJ},
        "_links": {"type": "object", "required": ["account"], "additionalProperties": HREF,
                   "properties": {k: HREF for k in ("account", "first", "next", "previous",
                                                    "last")}}}},
    "balances": {"type": "array", "items": OBJ},
    "_links": {"type": "object", "additionalProperties": HREF}}}

VALIDATORS = {name: jsonschema_rs.Draft4Validator(schema, validate_formats=True)
              for name, schema in {"OBReadTransaction6": OB_READ_TRANSACTION_6,
                                   "transactionsResponse-200_json": BG_TRANSACTIONS_RESPONSE
                                   }.items()}


def violations(instance, schema_name: str) -> list[str]:
    return [f"{e.instance_path}: {e.message}"
            for e in VALIDATORS[schema_name].iter_errors(instance)]


def assert_valid(instance, schema_name: str) -> None:
    problems = violations(instance, schema_name)
    assert not problems, problems[:5]
