"""UK Open Banking v4.0 account-access-consents, for TPPs with the AISP role and a
client-credentials token with scope `accounts`."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint

from consent import representation, service
from consent.access import require_token, tpp, tpp_actor
from consent.schemas import ConsentEventsResponse, OBReadConsent1, OBReadConsentResponse1
from core.apidoc import OB_HEADERS, OBErrorResponse1
from core.web import db_session, open_banking_api

blp = Blueprint("consent", __name__, url_prefix="/open-banking/v4.0/aisp/account-access-consents",
                description="Account access consents (UK Open Banking v4.0)")
open_banking_api(blp)
TPP = {"scope": "accounts", "roles": ("AISP",)}
NOT_FOUND = "Unknown ConsentId, or another TPP's (OB `U011`); a bad FAPI header (`U006`)"
# The document's example: a valid request as it stands (no ExpirationDateTime: open-ended), so
# the portal's "Try it out" creates a real AWAU consent.
CONSENT_EXAMPLE = {"Data": {"Permissions": ["ReadAccountsDetail", "ReadBalances"]}, "Risk": {}}


def adapters():
    return current_app.extensions["consent"]


def base_url() -> str:
    return current_app.config["ISSUER"] + blp.url_prefix


def one_consent(status: int, schema=None):
    """What every call on one consent declares: the TPP's token, its answer, the FAPI headers
    and 400 for a ConsentId unknown to this TPP."""
    def decorate(view):
        view = blp.alt_response(400, schema=OBErrorResponse1, description=NOT_FOUND)(view)
        view = blp.doc(parameters=OB_HEADERS)(view)
        view = blp.response(status, schema)(view)
        return require_token(**TPP)(view)
    return decorate


@blp.post("")
@require_token(**TPP)
@blp.doc(requestBody={"required": True, "content": {"application/json": {
    "schema": OBReadConsent1, "example": CONSENT_EXAMPLE}}}, parameters=[{
        "in": "header", "name": "x-idempotency-key", "schema": {"type": "string",
                                                                "maxLength": 40},
        "description": "Same key and body: the same consent again; another body: 409"},
        *OB_HEADERS])
@blp.response(201, OBReadConsentResponse1)
@blp.alt_response(400, schema=OBErrorResponse1,
                  description="Invalid request; `Errors[]` name each field and code (an "
                  "unknown member: `U005`)")
@blp.alt_response(406, schema=OBErrorResponse1, description="Accept admits no JSON")
@blp.alt_response(409, schema=OBErrorResponse1, description="x-idempotency-key reused")
def create_consent():
    """Create an account access consent (AWAU) for a PSU to authorise."""
    status, body = service.create_consent(
        db_session(), tpp(), request.get_json(silent=True), self_url_base=base_url(),
        idempotency_key=request.headers.get("x-idempotency-key"), actor=tpp_actor(),
        adapters=adapters())
    return body, status


@blp.get("/<ConsentId>")
@one_consent(200, OBReadConsentResponse1)
def get_consent(ConsentId: str):
    """Read a consent: its status, status reason and what it covers."""
    consent = service.get_consent(db_session(), tpp().client_id, ConsentId,
                                  adapters=adapters())
    return representation.consent_document(consent, f"{base_url()}/{ConsentId}")


@blp.delete("/<ConsentId>")
@one_consent(204)
def delete_consent(ConsentId: str):
    """Delete a consent: CANC, tokens under it revoked, bank-side consents deleted."""
    service.delete_consent(db_session(), tpp().client_id, ConsentId, actor=tpp_actor(),
                           adapters=adapters())
    return current_app.response_class(status=204)


@blp.get("/<ConsentId>/events")
@one_consent(200, ConsentEventsResponse)
def consent_events(ConsentId: str):
    """The consent's audit trail: every change and data access, hash-chained."""
    events = service.consent_events(db_session(), tpp().client_id, ConsentId)
    return representation.events_document(ConsentId, events,
                                          f"{base_url()}/{ConsentId}/events")
