"""The OpenAPI side of the web edge: the error bodies each API family sends (RFC 9457
problems, UK Open Banking `OBErrorResponse1`, UK CoP's namespaced variant), the FAPI headers an
OB operation documents, and `FapiApi`, the flask-smorest Api that documents and renders them.

flask-smorest's own HTTP error handler drops the exception's headers (`Allow` on 405,
`WWW-Authenticate` on 401, `Retry-After` on 429); `FapiApi` renders every error through the
one error path (`core.web`) so they survive.
"""

from __future__ import annotations

import http

import marshmallow as ma
from apispec import BasePlugin
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from core import dialects
from core.dialects import PROBLEM_JSON
from core.web import FAPI_AUTH_DATE_PATTERN, render_http_exception

RFC9110_NAMES = {"CONTENT_TOO_LARGE": 413, "PAYLOAD_TOO_LARGE": 413,
                 "RANGE_NOT_SATISFIABLE": 416, "UNPROCESSABLE_CONTENT": 422}


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, as every error of this API is answered.

    RFC 9457 §3.2 lets a problem carry extension members, and ours do (`error` on token
    failures, OB `Errors` on consent errors): the schema says so, or clients that validate
    answers against the document refuse our own errors.
    """

    class Meta:
        unknown = ma.INCLUDE

    type = ma.fields.String(metadata={"description": "Stable URI of the problem type"})
    title = ma.fields.String(metadata={"description": "Short summary of the problem type"})
    status = ma.fields.Integer(metadata={"description": "HTTP status code"})
    detail = ma.fields.String(metadata={"description": "What went wrong with this request"})
    interaction_id = ma.fields.String(
        metadata={"description": "The request's x-fapi-interaction-id, for support"}
    )
    errors = ma.fields.Dict(
        metadata={"description": "Field-level validation messages, by location and field"}
    )
    error = ma.fields.String(
        metadata={"description": "On 401/403 from a resource: the OAuth error code of the "
                                 "WWW-Authenticate challenge (invalid_token, …)"}
    )
    Errors = ma.fields.List(
        ma.fields.Dict(),
        metadata={"description": "UK Open Banking errors: ErrorCode, Message, Path"},
    )


class OBError1(ma.Schema):
    class Meta:
        unknown = ma.RAISE

    ErrorCode = ma.fields.String(required=True, validate=ma.validate.Length(equal=4),
                                 metadata={"description": "OBExternalStatusReason1Code",
                                           "example": "U011"})
    Message = ma.fields.String(validate=ma.validate.Length(min=1, max=500))
    Path = ma.fields.String(validate=ma.validate.Length(min=1, max=500),
                            metadata={"example": "Data.Permissions"})
    Url = ma.fields.String()


class OBErrorResponse1(ma.Schema):
    """UK Open Banking v4.0 error: every error of an `/open-banking/` API, nothing else."""

    class Meta:
        unknown = ma.RAISE

    Id = ma.fields.String(validate=ma.validate.Length(min=1, max=40),
                          metadata={"description": "The request's x-fapi-interaction-id"})
    Code = ma.fields.String(validate=ma.validate.Length(min=1, max=40),
                            metadata={"example": "400 Bad Request"})
    Message = ma.fields.String(validate=ma.validate.Length(min=1, max=500))
    Errors = ma.fields.List(ma.fields.Nested(OBError1), required=True,
                            validate=ma.validate.Length(min=1))


class CoPError1(OBError1):
    ErrorCode = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=128),
                                 metadata={"description": "Namespaced OB error code, as the "
                                                          "CoP API uses them",
                                           "example": "UK.OBIE.Field.Missing"})


class CoPErrorResponse(OBErrorResponse1):
    """UK Confirmation of Payee error: the OB error shape with the namespaced (v3.1) codes."""

    Errors = ma.fields.List(ma.fields.Nested(CoPError1), required=True,
                            validate=ma.validate.Length(min=1))


OB_HEADERS = [
    {"in": "header", "name": "x-fapi-interaction-id", "schema": {"type": "string",
                                                                 "format": "uuid"},
     "description": "Correlation id (a UUID), echoed; one is made when absent"},
    {"in": "header", "name": "x-fapi-auth-date",
     "schema": {"type": "string", "pattern": FAPI_AUTH_DATE_PATTERN},
     "description": "When the PSU last logged in with the TPP, e.g. "
                    "`Sun, 10 Sep 2017 19:43:31 GMT`"},
    {"in": "header", "name": "x-customer-user-agent", "schema": {"type": "string"},
     "description": "The PSU's user agent"},
]


class OBErrorResponses(BasePlugin):
    """The OpenAPI side of the one error path: on an `/open-banking/` or UK CoP operation every
    error response (401, 403, default … however a view or `require_token` declared it) is
    documented as `OBErrorResponse1` (CoP: `CoPErrorResponse`, namespaced codes) in
    `application/json`, the body the renderer sends there, so a generated client parses it."""

    SCHEMAS = {"ob": "OBErrorResponse1", "cop-uk": "CoPErrorResponse"}

    def operation_helper(self, path=None, operations=None, **kwargs):
        schema = self.SCHEMAS.get(dialects.dialect_for(path)) if path else None
        if schema is None:
            return
        for operation in (operations or {}).values():
            responses = operation.get("responses", {}) if isinstance(operation, dict) else {}
            for code, response in list(responses.items()):
                if code != "default" and not str(code).startswith(("4", "5")):
                    continue
                if code == "default":
                    description = "Any other error"
                else:
                    given = response.get("description") if isinstance(response, dict) else None
                    description = given or dialects.phrase(int(code))
                responses[code] = {"description": description, "content": {
                    "application/json": {"schema": {
                        "$ref": f"#/components/schemas/{schema}"}}}}


def decimal_as_string(converter, field, ret, **kwargs) -> dict:
    """A Decimal the schema sends as a string (every amount: OB writes `Amount` as a string
    of up to 13 digits and 5 decimals, so no float ever rounds money) is documented as a
    string; apispec calls every Decimal a number, and a client that validates answers
    against the document, or is generated from it, refuses each amount."""
    if not (isinstance(field, ma.fields.Decimal) and field.as_string):
        return {}
    given = ret.get("type")
    kind = (["string" if item == "number" else item for item in given]
            if isinstance(given, list) else "string")
    return {"type": kind, "format": "decimal"}


class FapiApi(Api):
    """flask-smorest Api whose errors are rendered by the one error path, headers kept."""

    ERROR_SCHEMA = ProblemSchema

    def _init_spec(self, *, extra_plugins=None, **kwargs):
        super()._init_spec(extra_plugins=[*(extra_plugins or ()), OBErrorResponses()],
                           **kwargs)
        self.ma_plugin.converter.add_attribute_function(decimal_as_string)
        self.spec.components.schema("OBErrorResponse1", schema=OBErrorResponse1)
        self.spec.components.schema("CoPErrorResponse", schema=CoPErrorResponse)

    def handle_http_exception(self, error):
        return render_http_exception(error)

    def _register_responses(self):
        names = {name: status for name, status in http.HTTPStatus.__members__.items()}
        # Names newer Pythons use for 413/416/422 (RFC 9110), so `response="…"` works on any.
        names.update({name: http.HTTPStatus(code) for name, code in RFC9110_NAMES.items()})
        for name, status in names.items():
            response = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)
