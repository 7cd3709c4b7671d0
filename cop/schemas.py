"""Request and response bodies, with the field names of each scheme.

UK CoP: OB-style `Data` envelope, PascalCase (`SchemeName`, `AccountType`, `Identification`,
`SecondaryIdentification`, `Name`; `VerificationReport` with `Matched`, `ReasonCode`, `Name`).
EU VoP: the EPC inter-PSP API's camelCase (`party`, `partyAccount.iban`, `partyAgent`,
`requestingAgent`; `partyNameMatch`, `partyIdMatch`, `matchedName`).
"""

from __future__ import annotations

import datetime as dt
import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from cop.identifiers import iban_problem, is_valid_bic
from cop.organisations import SCHEME_CODES, code_format_problem, lei_problem

SCHEME_NAMES = ("SortCodeAccountNumber", "UK.OBIE.SortCodeAccountNumber")
ACCOUNT_TYPES = ("Personal", "Business")
OUTCOME_CODES = ("MTCH", "CMTC", "NMTC", "NOAP")
ID_MATCH_CODES = ("MTCH", "NMTC", "NOAP")
NAME = validate.Length(min=1, max=140)


def valid_iban(value: str) -> None:
    if problem := iban_problem(value):
        raise ValidationError(problem)


def valid_bic(value: str) -> None:
    if not is_valid_bic(value):
        raise ValidationError("not a BIC (8 or 11 characters: bank, country, location, branch)")


class CopLinks(Schema):
    Self = fields.String(metadata={"description": "This resource"})


class CopMeta(Schema):
    TotalItems = fields.Integer()


# --- UK Confirmation of Payee ---------------------------------------------------------------

class OBNameVerificationData(Schema):
    SchemeName = fields.String(required=True, validate=validate.OneOf(SCHEME_NAMES))
    AccountType = fields.String(required=True, validate=validate.OneOf(ACCOUNT_TYPES),
                                metadata={"description": "What the payer says the account is"})
    Identification = fields.String(
        required=True, validate=validate.Regexp(r"^[0-9]{14}$"),
        metadata={"description": "Sort code (6 digits) then account number (8 digits)"})
    SecondaryIdentification = fields.String(
        validate=validate.Length(min=1, max=18), allow_none=True,
        metadata={"description": "Roll number or other reference, where the account has one"})
    Name = fields.String(required=True, validate=NAME,
                         metadata={"description": "The payee's name as the payer typed it"})


class OBNameVerificationRequest(Schema):
    Data = fields.Nested(OBNameVerificationData, required=True)


class OBVerificationReport(Schema):
    Matched = fields.Boolean(required=True)
    ReasonCode = fields.String(
        metadata={"description": "ANNM, MBAM, BANM, PANM, BAMM, PAMM, AC01, IVCR, ACNS, OPTO,"
                                 " CASS, SCNS; absent for a match"})
    Name = fields.String(metadata={"description": "The account name, only for MBAM/BAMM/PAMM"})


class OBVerificationReportData(Schema):
    VerificationReport = fields.Nested(OBVerificationReport, required=True)


class OBNameVerificationResponse(Schema):
    Data = fields.Nested(OBVerificationReportData, required=True)
    Links = fields.Nested(CopLinks)
    Meta = fields.Nested(CopMeta)


class OBBulkItem(OBNameVerificationData):
    Id = fields.String(validate=validate.Length(max=40), allow_none=True,
                       metadata={"description": "Your reference, echoed in the result"})


class OBBulkData(Schema):
    Items = fields.List(fields.Nested(OBBulkItem), required=True,
                        validate=validate.Length(min=1))


class OBBulkRequest(Schema):
    Data = fields.Nested(OBBulkData, required=True)


class OBBulkReport(OBVerificationReport):
    Id = fields.String(allow_none=True)


class OBBulkReportData(Schema):
    VerificationReports = fields.List(fields.Nested(OBBulkReport))


class OBBulkResponse(Schema):
    Data = fields.Nested(OBBulkReportData, required=True)
    Links = fields.Nested(CopLinks)
    Meta = fields.Nested(CopMeta)


class CopBulkJobData(Schema):
    JobId = fields.String()
    Status = fields.String(metadata={"description": "pending, running, done or failed"})
    TotalItems = fields.Integer()
    CreationDateTime = fields.DateTime()
    CompletionDateTime = fields.DateTime(allow_none=True)
    VerificationReports = fields.List(fields.Dict(),
                                      metadata={"description": "When done: as the bulk answer"})


class BulkJobResponse(Schema):
    Data = fields.Nested(CopBulkJobData, required=True)
    Links = fields.Nested(CopLinks)


# --- EU Verification of Payee ---------------------------------------------------------------

class VopFinancialInstitutionId(Schema):
    bicfi = fields.String(required=True, validate=valid_bic)


class VopAgent(Schema):
    financialInstitutionId = fields.Nested(VopFinancialInstitutionId, required=True)


class VopSchemeName(Schema):
    code = fields.String(validate=validate.OneOf(tuple(SCHEME_CODES)), metadata={
        "description": "ISO 20022 ExternalOrganisationIdentification1Code"})
    proprietary = fields.String(validate=validate.Length(min=1, max=35))

    @validates_schema
    def _one_of(self, data, **kwargs):
        if len(data) != 1:
            raise ValidationError("give exactly one of code or proprietary")


class VopGenericOrganisationId(Schema):
    identification = fields.String(required=True, validate=validate.Length(min=1, max=256))
    schemeName = fields.Nested(VopSchemeName, required=True)
    issuer = fields.String(validate=validate.Length(min=1, max=35))

    @validates_schema
    def _code_format(self, data, **kwargs):
        code = (data.get("schemeName") or {}).get("code")
        if code and (problem := code_format_problem(code, data.get("identification", ""))):
            raise ValidationError(problem, "identification")


def _lei(value: str) -> None:
    if problem := lei_problem(value):
        raise ValidationError(problem)


class VopOrganisationId(Schema):
    lei = fields.String(validate=_lei, metadata={
        "description": "ISO 17442 LEI; its MOD 97-10 check digits are verified",
        "pattern": "^[A-Z0-9]{18}[0-9]{2}$"})
    anyBIC = fields.String(validate=valid_bic, metadata={
        "pattern": "^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$"})
    others = fields.List(fields.Nested(VopGenericOrganisationId), validate=validate.Length(min=1))

    @validates_schema
    def _some_identifier(self, data, **kwargs):
        if not data:
            raise ValidationError("give lei, anyBIC or others")


class VopPartyIdentification(Schema):
    organisationId = fields.Nested(VopOrganisationId, required=True)


class VopParty(Schema):
    name = fields.String(validate=NAME)
    identification = fields.Nested(VopPartyIdentification, metadata={
        "description": "A legal person's identifiers, instead of or beside its name; "
                       "answered with partyIdMatch"})

    @validates_schema
    def _named_or_identified(self, data, **kwargs):
        if not data.get("name") and not data.get("identification"):
            raise ValidationError("give the payee's name, an organisation id, or both", "name")


class VopPartyAccount(Schema):
    iban = fields.String(required=True, validate=valid_iban)


class VopRequest(Schema):
    party = fields.Nested(VopParty, required=True)
    partyAccount = fields.Nested(VopPartyAccount, required=True)
    partyAgent = fields.Nested(VopAgent, required=True)
    requestingAgent = fields.Nested(VopAgent, required=True)
    unstructuredRemittanceInformation = fields.List(
        fields.String(validate=validate.Length(max=140)), validate=validate.Length(max=1))


class VopResponse(Schema):
    partyNameMatch = fields.String(validate=validate.OneOf(OUTCOME_CODES))
    partyIdMatch = fields.String(validate=validate.OneOf(ID_MATCH_CODES),
                                 metadata={"description": "No close match for identifiers"})
    matchedName = fields.String(metadata={"description": "Present if and only if CMTC"})


class VopBulkItem(VopRequest):
    id = fields.String(validate=validate.Length(max=40), allow_none=True)


class VopBulkRequest(Schema):
    requests = fields.List(fields.Nested(VopBulkItem), required=True,
                           validate=validate.Length(min=1))


class VopBulkResult(VopResponse):
    id = fields.String(allow_none=True)


class VopBulkResponse(Schema):
    results = fields.List(fields.Nested(VopBulkResult))


_TIMESTAMP = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$")


def request_timestamp_problem(value: str | None, now: dt.datetime,
                              max_skew: dt.timedelta) -> str | None:
    """Why an `X-Request-Timestamp` is refused: missing, not ISO 8601 with a zone, or too far
    from our clock (a stale or replayed request)."""
    if not value:
        return "X-Request-Timestamp is required"
    if not _TIMESTAMP.match(value):
        return "X-Request-Timestamp must be ISO 8601 with milliseconds and a zone"
    try:
        sent = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return "X-Request-Timestamp is not a real date and time"
    if abs(now - sent) > max_skew:
        return "X-Request-Timestamp is too far from the current time"
    return None
