"""marshmallow schemas of OB v4.0 OBReadTransaction6 as this service answers it, for the
OpenAPI document (the views build the same shapes in `txn_wire`)."""

from __future__ import annotations

import marshmallow as ma

from aggregation.data.categories import CATEGORIES
from aggregation.schemas import AGGREGATION_DOC, AccountBankSchema, AmountSchema, BankStatusSchema

F = ma.fields
DETAIL = {"description": "Only with ReadTransactionsDetail"}


class CodeSchema(ma.Schema):
    Code = F.String(required=True, metadata={"description": "ISO 20022 family, e.g. ICDT"})
    SubCode = F.String(required=True, metadata={"description": "ISO 20022 sub-family"})


class ProprietaryCodeSchema(ma.Schema):
    Code = F.String(required=True)
    Issuer = F.String()


class CurrencyExchangeSchema(ma.Schema):
    SourceCurrency = F.String(required=True)
    TargetCurrency = F.String()
    UnitCurrency = F.String()
    ExchangeRate = F.Float(required=True)
    InstructedAmount = F.Nested(AmountSchema)


class TransactionBalanceSchema(ma.Schema):
    CreditDebitIndicator = F.String(required=True,
                                    validate=ma.validate.OneOf(("Credit", "Debit")))
    Type = F.String(required=True)
    Amount = F.Nested(AmountSchema, required=True)


class MerchantSchema(ma.Schema):
    MerchantName = F.String()
    MerchantCategoryCode = F.String(metadata={"description": "ISO 18245"})


class PartyAccountSchema(ma.Schema):
    SchemeName = F.String()
    Identification = F.String()
    Name = F.String()


class LinkedSchema(ma.Schema):
    AccountId = F.String(required=True)
    TransactionId = F.String(required=True)


class SupplementarySchema(ma.Schema):
    Category = F.String(allow_none=True, validate=ma.validate.OneOf(CATEGORIES), metadata={
        "description": "From the merchant category code (ISO 18245), else the bank "
                       "transaction code; null when neither is known. internal_transfer: "
                       "one leg of a transfer between two accounts of this consent"})
    LinkedTransaction = F.Nested(LinkedSchema, metadata={
        "description": "The other leg of a transfer between the customer's own accounts"})


class TransactionSchema(ma.Schema):
    AccountId = F.String(required=True)
    TransactionId = F.String(metadata={"description": "Ours: stable across pending and "
                                       "booked, unique across banks"})
    TransactionReference = F.String()
    CreditDebitIndicator = F.String(required=True,
                                    validate=ma.validate.OneOf(("Credit", "Debit")))
    Status = F.String(required=True, validate=ma.validate.OneOf(("BOOK", "PDNG")),
                      metadata={"description": "ISO ExternalEntryStatus1Code"})
    TransactionMutability = F.String(validate=ma.validate.OneOf(("Mutable", "Immutable")))
    BookingDateTime = F.DateTime(required=True)
    ValueDateTime = F.DateTime()
    TransactionInformation = F.String(metadata=DETAIL)
    Amount = F.Nested(AmountSchema, required=True)
    CurrencyExchange = F.Nested(CurrencyExchangeSchema)
    BankTransactionCode = F.Nested(CodeSchema)
    ProprietaryBankTransactionCode = F.Nested(ProprietaryCodeSchema)
    Balance = F.Nested(TransactionBalanceSchema, metadata=DETAIL)
    MerchantDetails = F.Nested(MerchantSchema, metadata=DETAIL)
    CreditorAccount = F.Nested(PartyAccountSchema, metadata=DETAIL)
    DebtorAccount = F.Nested(PartyAccountSchema, metadata=DETAIL)
    SupplementaryData = F.Nested(SupplementarySchema)


class TransactionDataSchema(ma.Schema):
    Transaction = F.List(F.Nested(TransactionSchema))


class TransactionLinksSchema(ma.Schema):
    Self = F.String(required=True)
    First = F.String()
    Prev = F.String()
    Next = F.String()
    Last = F.String()


class TransactionMetaSchema(ma.Schema):
    TotalPages = F.Integer()
    FirstAvailableDateTime = F.DateTime()
    LastAvailableDateTime = F.DateTime()


class TransactionBankStatusSchema(BankStatusSchema):
    HistoryComplete = F.Boolean(metadata={
        "description": "false: this bank's history is not read to the end of the window yet "
                       "(it broke off, or was not reachable); the next read resumes it"})


class TransactionAggregationSchema(ma.Schema):
    PsuPresent = F.Boolean()
    Banks = F.List(F.Nested(TransactionBankStatusSchema))
    Accounts = F.List(F.Nested(AccountBankSchema))


class OBReadTransaction6(ma.Schema):
    Data = F.Nested(TransactionDataSchema, required=True)
    Links = F.Nested(TransactionLinksSchema)
    Meta = F.Nested(TransactionMetaSchema)
    Aggregation = F.Nested(TransactionAggregationSchema, metadata=AGGREGATION_DOC)
