"""The account-holder directory over HTTP, maintained by the participating banks themselves.

Callers hold a client-credentials token bound by DPoP or mTLS, with role ASPSP (scope
`payee-directory`), and change only the accounts of the banks they maintain.
"""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint
from marshmallow import ValidationError

from auth.resource import current_access, require_token
from cop import directory, directory_schemas
from cop.errors import ObError, ob_field_errors
from cop.web import DIRECTORY, body
from core.web import db_session, json_only

dirs = Blueprint("cop_directory", __name__, url_prefix="/cop/v1/directory",
                 description="Account-holder directory, maintained by participating banks")
json_only(dirs)


def _load_ob(schema, sent: dict) -> dict:
    try:
        return schema.load(sent)
    except ValidationError as exc:
        raise ObError("The request did not validate.", ob_field_errors(exc.messages)) from exc


@dirs.post("/accounts")
@require_token(**DIRECTORY)
@dirs.doc(requestBody={"required": True, "content": {"application/json": {
    "schema": directory_schemas.DirectoryUpsertRequest}}})
@dirs.response(200, directory_schemas.DirectoryUpsertResponse)
@dirs.alt_response(400, response="BAD_REQUEST", description="OB `Errors[]` name each field")
@dirs.alt_response(403, response="FORBIDDEN", description="This client maintains no bank")
def upsert_accounts():
    """Create or update accounts of the caller's banks; refused rows are listed with why."""
    accounts = _load_ob(directory_schemas.DirectoryUpsertRequest(), body())["Data"]["Accounts"]
    summary = directory.upsert_from_api(db_session(), current_access().client_id,
                                        [directory_schemas.directory_row(a) for a in accounts])
    return {"Data": {"Created": summary.created, "Updated": summary.updated,
                     "Rejected": [{"Index": i, "Reason": r} for i, r in summary.rejected]}}


@dirs.delete("/accounts/<identification>")
@require_token(**DIRECTORY)
@dirs.response(204)
@dirs.alt_response(404, response="NOT_FOUND", description="No such account at your banks")
def delete_account(identification: str):
    """Remove an account (14-digit sort code and account number, or IBAN)."""
    directory.delete_account(db_session(), current_access().client_id, identification)
    return current_app.response_class(status=204)
