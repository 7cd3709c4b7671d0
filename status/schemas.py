"""marshmallow schemas of the status API. Times are UTC ISO 8601 with `Z`; inputs must carry
an offset (a time without one is refused, never guessed)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from status.domain import API_COMPONENTS, ComponentStatus, Kind, NoticeStatus, Severity, iso
from status.outbox import EVENT_TYPES

# Pages past this hold nothing anyone will page to; a larger number would overflow an
# SQL OFFSET (a 64-bit integer) before the query could say so.
MAX_PAGE = 1_000_000


class UtcDateTime(fields.AwareDateTime):
    def _serialize(self, value, attr, obj, **kwargs):
        return iso(value)


def _choice(values):
    return validate.OneOf([v.value if hasattr(v, "value") else v for v in values])


class Strict(ma.Schema):
    class Meta:
        unknown = ma.RAISE


# -- notices ----------------------------------------------------------------------------
class NoticeCreate(Strict):
    kind = fields.String(required=True, validate=_choice(Kind),
                         metadata={"description": "planned (maintenance) or unplanned (incident)"})
    title = fields.String(required=True, validate=validate.Length(1, 200))
    body = fields.String(load_default="", validate=validate.Length(max=5000),
                         metadata={"description": "Public text: what, why, what TPPs should do"})
    severity = fields.String(required=True, validate=_choice(Severity),
                             metadata={"description": "minor = degraded, major = partly "
                                       "unavailable, critical = unavailable"})
    components = fields.List(fields.String(), load_default=list,
                             metadata={"description": f"Of {', '.join(API_COMPONENTS)}"})
    banks = fields.List(fields.String(), load_default=list,
                        metadata={"description": "Bank ids from the bank registry"})
    starts_at = UtcDateTime(load_default=None, metadata={
        "description": "Planned: start of the window (required); unplanned: default now"})
    ends_at = UtcDateTime(load_default=None, metadata={
        "description": "Planned: end of the window (required); unplanned: estimate"})


class NoticeEdit(Strict):
    title = fields.String(validate=validate.Length(1, 200))
    body = fields.String(validate=validate.Length(max=5000))
    severity = fields.String(validate=_choice(Severity))
    components = fields.List(fields.String())
    banks = fields.List(fields.String())
    starts_at = UtcDateTime()
    ends_at = UtcDateTime(allow_none=True)


class NoticeUpdateCreate(Strict):
    body = fields.String(required=True, validate=validate.Length(1, 5000))
    severity = fields.String(validate=_choice(Severity))


class StatusChange(Strict):
    message = fields.String(load_default=None, validate=validate.Length(max=5000),
                            metadata={"description": "Timeline text; a default is used if empty"})
    at = UtcDateTime(load_default=None, metadata={"description": "When it happened; default now"})


class TimelineEntry(ma.Schema):
    at = UtcDateTime()
    status = fields.String(validate=_choice(NoticeStatus))
    body = fields.String()


class NoticeLinks(ma.Schema):
    self = fields.String()
    html = fields.String()


class NoticeSchema(ma.Schema):
    id = fields.String()
    kind = fields.String(validate=_choice(Kind))
    status = fields.String(validate=_choice(NoticeStatus))
    severity = fields.String(validate=_choice(Severity))
    source = fields.String(metadata={"description": "operator, or automatic (bank outage)"})
    title = fields.String()
    body = fields.String()
    components = fields.List(fields.String())
    banks = fields.List(fields.String())
    starts_at = UtcDateTime()
    ends_at = UtcDateTime(allow_none=True)
    started_at = UtcDateTime(allow_none=True)
    completed_at = UtcDateTime(allow_none=True)
    cancelled_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    updates = fields.List(fields.Nested(TimelineEntry))
    links = fields.Nested(NoticeLinks)


COMPONENT_FILTER = {"description": "Component id; an unknown one is a 422 "
                                   "`unknown-component` listing the valid ids",
                    "enum": list(API_COMPONENTS)}
BANK_FILTER = {"description": "Bank id from the bank registry; an unknown one is a 422 "
                              "`unknown-component` listing the valid ids"}


class NoticeQuery(Strict):
    component = fields.String(metadata=COMPONENT_FILTER)
    bank = fields.String(metadata=BANK_FILTER)
    status = fields.String(validate=_choice(NoticeStatus))
    kind = fields.String(validate=_choice(Kind))
    from_ = UtcDateTime(data_key="from", metadata={"description": "Overlapping from"})
    to = UtcDateTime(metadata={"description": "Overlapping until"})
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    page_size = fields.Integer(load_default=20, validate=validate.Range(1, 100))


class PageLinks(ma.Schema):
    self = fields.String()
    first = fields.String()
    prev = fields.String(allow_none=True)
    next = fields.String(allow_none=True)
    last = fields.String()


class PageMeta(ma.Schema):
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    pages = fields.Integer()


class NoticeList(ma.Schema):
    data = fields.List(fields.Nested(NoticeSchema))
    links = fields.Nested(PageLinks)
    meta = fields.Nested(PageMeta)


# -- summary ----------------------------------------------------------------------------
class SummaryPage(ma.Schema):
    id = fields.String()
    name = fields.String()
    url = fields.String()
    updated_at = UtcDateTime()


class SummaryStatus(ma.Schema):
    indicator = fields.String(validate=validate.OneOf(
        ["none", "minor", "major", "critical", "maintenance"]))
    description = fields.String()


class SummaryComponent(ma.Schema):
    id = fields.String()
    name = fields.String()
    group = fields.String(validate=validate.OneOf(["apis", "banks"]))
    status = fields.String(validate=_choice(ComponentStatus))
    updated_at = UtcDateTime()


class Summary(ma.Schema):
    page = fields.Nested(SummaryPage)
    status = fields.Nested(SummaryStatus)
    components = fields.List(fields.Nested(SummaryComponent))
    incidents = fields.List(fields.Nested(NoticeSchema))
    scheduled_maintenances = fields.List(fields.Nested(NoticeSchema))


# -- availability -----------------------------------------------------------------------
class AvailabilityQuery(Strict):
    component = fields.String(metadata=COMPONENT_FILTER)
    bank = fields.String(metadata=BANK_FILTER)
    from_ = fields.Date(data_key="from", metadata={"description": "First UTC day; default "
                                                   "89 days before `to`"})
    to = fields.Date(metadata={"description": "Last UTC day; default today"})


class Downtime(ma.Schema):
    """Seconds of the period in which the target was down (EBA/GL/2018/07 counts both kinds;
    they are reported apart for transparency)."""

    planned = fields.Float(metadata={"description": "Under a major or critical maintenance "
                                     "notice"})
    unplanned = fields.Float(metadata={"description": "Incidents, and measured minutes in which "
                                       "at least half the calls failed, outside planned time"})
    total = fields.Float(metadata={"description": "planned + unplanned"})


def _percentile(share: str) -> fields.Float:
    return fields.Float(allow_none=True, metadata={
        "description": f"{share} of measured answers came within this many ms (estimated "
                       "inside a fixed histogram bucket); null without measurements"})


class ResponseTimes(ma.Schema):
    average = fields.Float(allow_none=True, metadata={
        "description": "Mean of measured answers, ms; null without measurements"})
    p50 = _percentile("Half")
    p95 = _percentile("95 %")
    p99 = _percentile("99 %")


class PeriodFigures(ma.Schema):
    period = fields.String(metadata={"description": "YYYY-MM-DD, or YYYY-Qn"})
    start = UtcDateTime()
    end = UtcDateTime()
    uptime_percent = fields.Float(allow_none=True)
    downtime_seconds = fields.Nested(Downtime)
    requests = fields.Integer()
    errors = fields.Integer()
    error_rate_percent = fields.Float(allow_none=True)
    response_time_ms = fields.Nested(ResponseTimes)


class TargetFigures(ma.Schema):
    id = fields.String()
    name = fields.String()
    group = fields.String()
    days = fields.List(fields.Nested(PeriodFigures))
    quarters = fields.List(fields.Nested(PeriodFigures))


class Availability(ma.Schema):
    from_ = fields.String(data_key="from", attribute="from",
                          metadata={"description": "First UTC day covered (YYYY-MM-DD)"})
    to = fields.String()
    generated_at = UtcDateTime()
    method = fields.String()
    components = fields.List(fields.Nested(TargetFigures))
    banks = fields.List(fields.Nested(TargetFigures))


# -- webhooks ---------------------------------------------------------------------------
class SubscriptionCreate(Strict):
    url = fields.String(required=True, metadata={"description": "https URL we POST events to"})
    events = fields.List(fields.String(), required=True, metadata={
        "description": f"Any of {', '.join(EVENT_TYPES)}"})


class SubscriptionSchema(ma.Schema):
    id = fields.String()
    url = fields.String()
    events = fields.List(fields.String())
    created_at = UtcDateTime()
    secret = fields.String(metadata={"description": "Signing secret; only in the 201 answer"})


class SubscriptionList(ma.Schema):
    data = fields.List(fields.Nested(SubscriptionSchema))


class DeliverySchema(ma.Schema):
    id = fields.Integer()
    event_id = fields.String()
    event_type = fields.String()
    status = fields.String(validate=validate.OneOf(
        ["pending", "delivered", "failed", "cancelled"]))
    attempts = fields.Integer()
    next_attempt_at = UtcDateTime(allow_none=True)
    last_attempt_at = UtcDateTime(allow_none=True)
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    delivered_at = UtcDateTime(allow_none=True)
    created_at = UtcDateTime()


class DeliveryQuery(Strict):
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    page_size = fields.Integer(load_default=50, validate=validate.Range(1, 100))


class DeliveryList(ma.Schema):
    data = fields.List(fields.Nested(DeliverySchema))
    links = fields.Nested(PageLinks)
    meta = fields.Nested(PageMeta)
