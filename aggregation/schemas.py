"""marshmallow schemas of the UK OB v4.0 account and balance shapes, plus this service's
`Aggregation` member (per-bank status, totals, PSU-present), sent only when asked for with
`include=aggregation`, for the OpenAPI document. Field names are the standard's; the views
build the same shapes directly (the hot path skips a second pass)."""

from __future__ import annotations

import marshmallow as ma

from aggregation.fanout import Status
from aggregation.ob_wire import OB_ACCOUNT_STATUSES as ACCOUNT_STATUSES
from aggregation.ob_wire import OB_ACCOUNT_TYPE_CODES

BALANCE_TYPES = ("CLAV", "CLBD", "FWAV", "INFO", "ITAV", "ITBD", "OPAV", "OPBD", "PRCD", "XPCD")
CREDIT_LINE_TYPES = ("Available", "Credit", "Emergency", "Pre-Agreed", "Temporary")


class AmountSchema(ma.Schema):
    Amount = ma.fields.Decimal(as_string=True, required=True,
                               metadata={"example": "1230.00",
                                         "description": "Up to 13 digits and 5 decimals"})
    Currency = ma.fields.String(required=True, metadata={"example": "GBP"})


class CreditLineSchema(ma.Schema):
    Included = ma.fields.Boolean(required=True,
                                 metadata={"description": "Whether the balance includes it"})
    Type = ma.fields.String(validate=ma.validate.OneOf(CREDIT_LINE_TYPES))
    Amount = ma.fields.Nested(AmountSchema)


class BalanceSchema(ma.Schema):
    AccountId = ma.fields.String(required=True)
    CreditDebitIndicator = ma.fields.String(required=True,
                                            validate=ma.validate.OneOf(("Credit", "Debit")))
    Type = ma.fields.String(required=True, validate=ma.validate.OneOf(BALANCE_TYPES),
                            metadata={"description": "ISO ExternalBalanceType1Code"})
    DateTime = ma.fields.DateTime(required=True)
    Amount = ma.fields.Nested(AmountSchema, required=True)
    CreditLine = ma.fields.List(ma.fields.Nested(CreditLineSchema))


class AccountIdentificationSchema(ma.Schema):
    SchemeName = ma.fields.String(required=True,
                                  metadata={"example": "UK.OBIE.SortCodeAccountNumber"})
    Identification = ma.fields.String(required=True)
    Name = ma.fields.String()
    SecondaryIdentification = ma.fields.String()


class AccountSchema(ma.Schema):
    AccountId = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=40),
        metadata={"description": "Ours: stable for this consent, opaque, never the bank's id"})
    Status = ma.fields.String(validate=ma.validate.OneOf(ACCOUNT_STATUSES))
    Currency = ma.fields.String(metadata={"example": "GBP"})
    AccountCategory = ma.fields.String(validate=ma.validate.OneOf(("Business", "Personal")))
    AccountTypeCode = ma.fields.String(
        validate=ma.validate.OneOf(sorted(OB_ACCOUNT_TYPE_CODES)),
        metadata={"description": "ISO 20022 cash account type (a Berlin Group bank's "
                  "`cashAccountType`); OTHR for a code OB does not list"})
    Nickname = ma.fields.String(validate=ma.validate.Length(min=1, max=70))
    Account = ma.fields.List(ma.fields.Nested(AccountIdentificationSchema),
                             metadata={"description": "Only with ReadAccountsDetail"})


class BankStatusSchema(ma.Schema):
    BankId = ma.fields.String(required=True)
    Status = ma.fields.String(
        required=True, validate=ma.validate.OneOf([s.value for s in Status]),
        metadata={"description": "ok: read live now; cached: served from cache without "
                  "calling the bank (fresh, or the unattended daily allowance is used up); the "
                  "others say why the bank was not read now"})
    Source = ma.fields.String(validate=ma.validate.OneOf(("live", "cache", "none")),
                              metadata={"description": "Where this bank's data came from"})
    FetchedAt = ma.fields.DateTime(allow_none=True,
                                   metadata={"description": "When the served data was read "
                                             "from the bank (UTC)"})
    ErrorType = ma.fields.String(allow_none=True, metadata={"example": "BankTimeout"})
    RetryAfter = ma.fields.Integer(allow_none=True,
                                   metadata={"description": "Seconds before we call again"})


class CurrencyTotalSchema(ma.Schema):
    Currency = ma.fields.String(required=True)
    Available = ma.fields.Decimal(as_string=True, required=True,
                                  metadata={"description": "Sum of available balances, credit "
                                            "lines included in them taken out"})
    CreditLines = ma.fields.Decimal(as_string=True, required=True,
                                    metadata={"description": "Sum of the credit lines, apart"})
    AccountCount = ma.fields.Integer()


class AccountBankSchema(ma.Schema):
    AccountId = ma.fields.String(required=True)
    BankId = ma.fields.String(required=True, metadata={"description": "The bank in our "
                                                       "registry that holds the account"})


class AggregationSchema(ma.Schema):
    """Only with `include=aggregation`; not an OB member."""

    PsuPresent = ma.fields.Boolean(metadata={"description": "The request sent a valid "
                                             "x-fapi-customer-ip-address"})
    Banks = ma.fields.List(ma.fields.Nested(BankStatusSchema),
                           metadata={"description": "One entry per bank of the consent"})
    Accounts = ma.fields.List(ma.fields.Nested(AccountBankSchema),
                              metadata={"description": "The bank of each AccountId"})
    Totals = ma.fields.List(ma.fields.Nested(CurrencyTotalSchema),
                            metadata={"description": "Balances only: per currency"})


class AisMetaSchema(ma.Schema):
    TotalPages = ma.fields.Integer()
    FirstAvailableDateTime = ma.fields.DateTime()
    LastAvailableDateTime = ma.fields.DateTime()


class AisLinksSchema(ma.Schema):
    Self = ma.fields.String(required=True)


class AccountDataSchema(ma.Schema):
    Account = ma.fields.List(ma.fields.Nested(AccountSchema))


class BalanceDataSchema(ma.Schema):
    Balance = ma.fields.List(ma.fields.Nested(BalanceSchema))


AGGREGATION_DOC = {"description": "Not OB: only with `include=aggregation`"}


class OBReadAccount6(ma.Schema):
    Data = ma.fields.Nested(AccountDataSchema, required=True)
    Links = ma.fields.Nested(AisLinksSchema)
    Meta = ma.fields.Nested(AisMetaSchema)
    Aggregation = ma.fields.Nested(AggregationSchema, metadata=AGGREGATION_DOC)


class OBReadBalance1(ma.Schema):
    Data = ma.fields.Nested(BalanceDataSchema, required=True)
    Links = ma.fields.Nested(AisLinksSchema)
    Meta = ma.fields.Nested(AisMetaSchema)
    Aggregation = ma.fields.Nested(AggregationSchema, metadata=AGGREGATION_DOC)


class CustomerHeaders(ma.Schema):
    x_fapi_customer_ip_address = ma.fields.String(
        data_key="x-fapi-customer-ip-address",
        metadata={"description": "The PSU's IP when they are present; without it the read is "
                  "unattended and counts against the daily allowance (4 per account)"})
