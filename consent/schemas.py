"""marshmallow schemas of the OB v4.0 consent shapes, for the OpenAPI document. Field names
are the standard's. Requests are validated by `consent.permissions`, which answers with the OB
error codes a TPP expects; these schemas describe, they do not reject."""

from __future__ import annotations

import marshmallow as ma

from consent.permissions import PERMISSIONS

STATUS_CODES = ("AWAU", "RJCT", "AUTH", "EXPD", "CANC")
PermissionField = ma.fields.String(validate=ma.validate.OneOf(list(PERMISSIONS)))


class ConsentRequestDataSchema(ma.Schema):
    Permissions = ma.fields.List(PermissionField, required=True,
                                 metadata={"description": "Data clusters requested; see the OB "
                                           "Account and Transaction API profile for the rules"})
    ExpirationDateTime = ma.fields.DateTime(metadata={"description": "Open ended when absent"})
    TransactionFromDateTime = ma.fields.DateTime()
    TransactionToDateTime = ma.fields.DateTime()


class RiskSchema(ma.Schema):
    """OBRisk2: no fields are defined for account access; send `{}`."""


class OBReadConsent1(ma.Schema):
    Data = ma.fields.Nested(ConsentRequestDataSchema, required=True)
    Risk = ma.fields.Nested(RiskSchema, required=True)


class StatusReasonSchema(ma.Schema):
    StatusReasonCode = ma.fields.String(metadata={"example": "U036"})
    StatusReasonDescription = ma.fields.String()
    Path = ma.fields.String()


class ConsentResponseDataSchema(ConsentRequestDataSchema):
    ConsentId = ma.fields.String(required=True)
    Status = ma.fields.String(required=True, validate=ma.validate.OneOf(STATUS_CODES))
    StatusReason = ma.fields.List(ma.fields.Nested(StatusReasonSchema))
    CreationDateTime = ma.fields.DateTime(required=True)
    StatusUpdateDateTime = ma.fields.DateTime(required=True)


class LinksSchema(ma.Schema):
    Self = ma.fields.String(required=True)


class MetaSchema(ma.Schema):
    TotalPages = ma.fields.Integer()


class OBReadConsentResponse1(ma.Schema):
    Data = ma.fields.Nested(ConsentResponseDataSchema, required=True)
    Risk = ma.fields.Nested(RiskSchema, required=True)
    Links = ma.fields.Nested(LinksSchema)
    Meta = ma.fields.Nested(MetaSchema)


class ConsentEventSchema(ma.Schema):
    Sequence = ma.fields.Integer(metadata={"description": "Position in the consent's chain"})
    DateTime = ma.fields.String()
    Actor = ma.fields.String(metadata={"description": "tpp:<client_id>, psu or system"})
    Action = ma.fields.String(metadata={"example": "consent.authorised"})
    Details = ma.fields.Dict()
    InteractionId = ma.fields.String(allow_none=True)
    PreviousHash = ma.fields.String()
    Hash = ma.fields.String(metadata={"description": "SHA-256 over the event and PreviousHash"})


class ConsentEventsDataSchema(ma.Schema):
    ConsentId = ma.fields.String()
    Event = ma.fields.List(ma.fields.Nested(ConsentEventSchema))


class ConsentEventsResponse(ma.Schema):
    Data = ma.fields.Nested(ConsentEventsDataSchema)
    Links = ma.fields.Nested(LinksSchema)
    Meta = ma.fields.Nested(MetaSchema)
