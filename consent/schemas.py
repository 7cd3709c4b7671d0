"""marshmallow schemas of the OB v4.0 consent shapes. Field names are the standard's.
Requests are validated by `consent.permissions`, which answers with the OB error codes a TPP
expects, so the request schemas describe and do not reject. Answers are dumped through the
response schemas: a member they do not declare is not sent."""

from __future__ import annotations

import datetime as dt

import marshmallow as ma

from consent.permissions import PERMISSIONS
from consent.representation import iso

STATUS_CODES = ("AWAU", "RJCT", "AUTH", "EXPD", "CANC")
PermissionField = ma.fields.String(validate=ma.validate.OneOf(list(PERMISSIONS)))


class ObDateTime(ma.fields.DateTime):
    """Written as `consent.representation.iso` writes it (UTC, seconds, explicit offset), from
    a datetime or from that text: a replayed create answer holds the text first sent."""

    def _serialize(self, value, attr, obj, **kwargs):
        if isinstance(value, str):
            value = dt.datetime.fromisoformat(value)
        return iso(value)


class ConsentRequestDataSchema(ma.Schema):
    Permissions = ma.fields.List(PermissionField, required=True,
                                 metadata={"description": "Data clusters requested; see the OB "
                                           "Account and Transaction API profile for the rules"})
    ExpirationDateTime = ObDateTime(metadata={"description": "Open ended when absent"})
    TransactionFromDateTime = ObDateTime()
    TransactionToDateTime = ObDateTime()


class RiskSchema(ma.Schema):
    """OBRisk2: no fields are defined for account access; send `{}`."""


class OBReadConsent1(ma.Schema):
    Data = ma.fields.Nested(ConsentRequestDataSchema, required=True)
    Risk = ma.fields.Nested(RiskSchema, required=True)


class StatusReasonSchema(ma.Schema):
    StatusReasonCode = ma.fields.String(metadata={"example": "U036"})
    StatusReasonDescription = ma.fields.String()
    Path = ma.fields.String()


class ConsentStateSchema(ma.Schema):
    ConsentId = ma.fields.String(required=True)
    Status = ma.fields.String(required=True, validate=ma.validate.OneOf(STATUS_CODES))
    StatusReason = ma.fields.List(ma.fields.Nested(StatusReasonSchema))
    CreationDateTime = ObDateTime(required=True)
    StatusUpdateDateTime = ObDateTime(required=True)


class ConsentResponseDataSchema(ConsentRequestDataSchema, ConsentStateSchema):
    """The consent's state, then what it covers: marshmallow lays out the bases last to first,
    so the members come in the order the answers have always had."""


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
