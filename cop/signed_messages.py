"""The HTTP edge of UK CoP message signing (`cop/signing.py` holds the JWS rules).

Requests: `x-jws-signature` is verified against the caller's registered keys whenever it is
sent, and its absence is refused when the client's registration requires signing (operator:
`flask --app wsgi tpp message-signing`). Answers: every answer of the CoP blueprint is signed
with a key of the service's JWKS (`/jwks`), errors included.
"""

from __future__ import annotations

import time

from flask import request

from auth import service as auth_service
from auth.resource import current_access
from cop import signing
from cop.errors import ObError
from cop.web import settings
from core.web import db_session

PARAMETER = {
    "in": "header", "name": signing.HEADER, "required": False,
    "description": "Detached JWS (header..signature) over the body, OB message-signing "
                   "profile; required when the client's registration says so",
    "schema": {"type": "string"}}
RESPONSE_HEADER = {signing.HEADER: {
    "description": "This service's detached JWS over the answer; key by kid at /jwks",
    "schema": {"type": "string"}}}


def _refused(code: str, message: str) -> ObError:
    return ObError("The request signature was not accepted.",
                   [{"ErrorCode": code, "Message": message}])


def verify_request() -> None:
    """Check the request's `x-jws-signature` over its raw body, or refuse it with the OB
    `UK.OBIE.Signature.*` code; nothing to do for an unsigned request of a client that need
    not sign."""
    value = request.headers.get(signing.HEADER)
    client_id = current_access().client_id
    if not (value or auth_service.message_signing_required(client_id)):
        return
    try:
        keys = auth_service.message_signing_keys(db_session(), client_id)
    except auth_service.ClientKeysUnavailable as exc:
        raise _refused(signing.INVALID, f"{exc}; the signature cannot be checked") from None
    ours = settings()
    expect = signing.Expectations(client_id, ours.jws_trust_anchors, time.time(),
                                  ours.jws_max_age_seconds)
    try:
        signing.verify(value, request.get_data(cache=True), keys, expect)
    except signing.SignatureRefused as refused:
        raise _refused(refused.code, refused.message) from None


def sign_answer(response):
    """after_request: the service's detached JWS over the answer's body, verifiable with the
    key of the same `kid` at /jwks."""
    if response.direct_passthrough or not response.is_sequence:
        return response
    key = auth_service.message_signing_key()
    ours = settings()
    response.headers[signing.HEADER] = signing.sign(
        response.get_data(), key, kid=key.kid, issuer=ours.jws_issuer,
        trust_anchor=ours.jws_trust_anchor, now=time.time())
    return response
