"""Consent problem types. They carry OB `Errors[]` inside the RFC 9457 body, so a TPP written
against the Open Banking standard finds the `ErrorCode` it expects, and a generic client finds
a stable problem `type`.

No Flask here: the domain and service raise these; `core.web` renders them.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import Problem, register_problems


@dataclass(frozen=True)
class OBError:
    """A 4-character OBExternalStatusReason1Code, words and where: one entry of OB `Errors[]`,
    or a consent's `StatusReason`."""

    code: str
    message: str
    path: str | None = None

    def to_dict(self) -> dict[str, str]:
        body = {"ErrorCode": self.code, "Message": self.message}
        if self.path:
            body["Path"] = self.path
        return body


# OB internal code set (OBExternalStatusReason1Code) values used here.
FIELD_EXPECTED = "U001"  # UK.OBIE.Field.Expected
FIELD_INVALID = "U002"  # UK.OBIE.Field.Invalid
FIELD_INVALID_DATE = "U003"  # UK.OBIE.Field.InvalidDate
FIELD_MISSING = "U004"  # UK.OBIE.Field.Missing
FIELD_UNEXPECTED = "U005"  # UK.OBIE.Field.Unexpected
INVALID_CONSENT_STATUS = "U009"  # UK.OBIE.Resource.InvalidConsentStatus
INVALID_FORMAT = "U010"  # UK.OBIE.Resource.InvalidFormat
RESOURCE_NOT_FOUND = "U011"  # UK.OBIE.Resource.NotFound
REAUTHENTICATE = "U028"  # UK.OBIE.Reauthenticate


class ObProblem(Problem):
    """A problem whose body also carries OB `Errors[]`."""

    def __init__(self, detail: str, errors: list[OBError], **kwargs) -> None:
        super().__init__(detail, Errors=[e.to_dict() for e in errors], **kwargs)
        self.ob_errors = list(errors)


class ConsentRequestInvalid(ObProblem):
    slug, status, title = ("consent-request-invalid", 400,
                           "Account access consent request is invalid")

    def __init__(self, errors: list[OBError]) -> None:
        detail = "; ".join(e.message for e in errors)
        super().__init__(detail, errors)


class ConsentNotFound(ObProblem):
    """An unknown ConsentId is a 400 with U011, as the OB v4.0 profile says for an unknown
    resource id (404 is for an endpoint that does not exist); the same answer for another
    TPP's consent, so consent ids never leak between TPPs."""

    slug = "not-found"
    status = 400

    def __init__(self, consent_id: str) -> None:
        super().__init__(
            "No account access consent with this id.",
            [OBError(RESOURCE_NOT_FOUND, "Consent not found", "ConsentId")],
        )
        self.consent_id = consent_id


class InvalidTransition(ObProblem):
    """A status change the lifecycle refuses (e.g. authorising a revoked consent)."""

    slug, status, title = "consent-status-invalid", 400, "Consent status does not allow this"

    def __init__(self, current: str, target: str) -> None:
        super().__init__(
            f"A consent in status {current} cannot become {target}.",
            [OBError(INVALID_CONSENT_STATUS, f"Consent status is {current}")],
        )
        self.current = current
        self.target = target


# consent status -> the problem type (403) a TPP reads when it uses a consent in that status
UNUSABLE = {
    "AWAU": ("consent-not-authorised", "Consent is not authorised"),
    "EXPD": ("consent-expired", "Consent has expired"),
    "CANC": ("consent-revoked", "Consent has been revoked"),
    "RJCT": ("consent-rejected", "Consent was rejected"),
}
register_problems({slug: (403, title) for slug, title in UNUSABLE.values()})


class ConsentUnusable(ObProblem):
    """'This consent cannot be used for data access' (403 with U009); its problem type names
    the status, so a TPP can tell an expired consent from a revoked one."""

    def __init__(self, consent_id: str, status: str) -> None:
        super().__init__(
            f"The consent is {status}; it cannot be used to read data.",
            [OBError(INVALID_CONSENT_STATUS, f"Consent status is {status}")],
            slug=UNUSABLE[status][0],
        )
        self.consent_id = consent_id
        self.consent_status = status


class ReauthenticationRequired(ObProblem):
    slug, status, title = ("reauthentication-required", 403,
                           "The PSU must re-authenticate at the bank")

    def __init__(self, consent_id: str, bank_id: str) -> None:
        super().__init__(
            f"Access at bank {bank_id} needs the PSU to authenticate again.",
            [OBError(REAUTHENTICATE, "PSU re-authentication required", bank_id)],
        )
        self.consent_id = consent_id
        self.bank_id = bank_id
