"""Request and response bodies of the directory API (role ASPSP), in the OB-style `Data`
envelope and PascalCase of the UK scheme it sits beside."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from cop.schemas import ACCOUNT_TYPES, NAME, valid_bic, valid_iban


class DirectoryAccountSchema(Schema):
    SortCode = fields.String(validate=validate.Regexp(r"^[0-9]{6}$"))
    AccountNumber = fields.String(validate=validate.Regexp(r"^[0-9]{8}$"))
    IBAN = fields.String(validate=valid_iban)
    BIC = fields.String(validate=valid_bic)
    SecondaryReference = fields.String(validate=validate.Length(min=1, max=18))
    AccountType = fields.String(required=True, validate=validate.OneOf(ACCOUNT_TYPES))
    HolderNames = fields.List(fields.String(validate=NAME), required=True,
                              validate=validate.Length(min=1, max=10))
    TradingNames = fields.List(fields.String(validate=NAME), validate=validate.Length(max=10))
    OrganisationIds = fields.Dict(keys=fields.String(), values=fields.String())
    OptedOut = fields.Boolean()
    Closed = fields.Boolean()
    Switched = fields.Boolean()
    SupportsChecks = fields.Boolean()


class CopDirectoryUpsertData(Schema):
    Accounts = fields.List(fields.Nested(DirectoryAccountSchema), required=True,
                           validate=validate.Length(min=1, max=10_000))


class DirectoryUpsertRequest(Schema):
    Data = fields.Nested(CopDirectoryUpsertData, required=True)


class CopRejectedAccount(Schema):
    Index = fields.Integer(metadata={"description": "Position in Data.Accounts, from 0"})
    Reason = fields.String()


class CopDirectoryUpsertResult(Schema):
    Created = fields.Integer()
    Updated = fields.Integer()
    Rejected = fields.List(fields.Nested(CopRejectedAccount))


class DirectoryUpsertResponse(Schema):
    Data = fields.Nested(CopDirectoryUpsertResult, required=True)


def directory_row(account: dict) -> dict:
    """An API account record in the import file's snake_case form."""
    return {
        "sort_code": account.get("SortCode"),
        "account_number": account.get("AccountNumber"),
        "iban": account.get("IBAN"),
        "bic": account.get("BIC"),
        "secondary_reference": account.get("SecondaryReference"),
        "holder_type": account["AccountType"].lower(),
        "holder_names": account["HolderNames"],
        "trading_names": account.get("TradingNames") or [],
        "organisation_ids": account.get("OrganisationIds") or {},
        "opted_out": account.get("OptedOut", False),
        "closed": account.get("Closed", False),
        "switched": account.get("Switched", False),
        "supports_checks": account.get("SupportsChecks", True),
    }
