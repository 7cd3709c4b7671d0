"""Berlin Group SCA approaches, as the bank answers them (pure: no I/O).

The TPP asks with `TPP-Redirect-Preferred`; the bank answers with `ASPSP-SCA-Approach`
(`REDIRECT`, `DECOUPLED`, `EMBEDDED`) and its links: `scaOAuth` means the redirect approach
with the OAuth2 pre-step, `scaRedirect` the plain redirect, `startAuthorisation` an explicit
start (`POST /v1/consents/{id}/authorisations`). A decoupled authorisation is then polled
(`GET …/authorisations/{authorisationId}`) until its `scaStatus` is final.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from aggregation.connectors.errors import ScaFailed
from aggregation.connectors.payload import Reader

REDIRECT_OAUTH, REDIRECT, DECOUPLED = "redirect-oauth", "redirect", "decoupled"
SCA_STATUSES = ("received", "psuIdentified", "psuAuthenticated", "scaMethodSelected",
                "started", "unconfirmed", "finalised", "failed", "exempted")
DONE, FAILED = ("finalised", "exempted"), ("failed",)


@dataclass(frozen=True)
class ScaStarted:
    """An authorisation sub-resource: where to send the PSU (redirect), or what to show the
    PSU while the bank's app asks them (decoupled)."""

    approach: str
    authorisation_id: str
    redirect_url: str | None = None
    psu_message: str | None = None
    sca_status: str = "received"


@dataclass(frozen=True)
class ScaProgress:
    sca_status: str
    retry_after: float | None = None  # the bank's advised wait before asking again

    @property
    def done(self) -> bool:
        return self.sca_status in DONE

    @property
    def failed(self) -> bool:
        return self.sca_status in FAILED


@runtime_checkable
class ScaConnector(Protocol):
    """A connector that runs SCA through authorisation sub-resources (Berlin Group)."""

    def start_authorisation(self, consent_id: str, *, redirect_uri: str,
                            state: str) -> ScaStarted: ...

    def sca_status(self, consent_id: str, authorisation_id: str) -> ScaProgress: ...


def approach_of(bank_id: str, header: str | None, body: dict) -> str:
    """The approach a consent answer names: header first, the links say which redirect."""
    links = body.get("_links") if isinstance(body.get("_links"), dict) else {}
    named = (header or "").strip().upper()
    if named == "EMBEDDED":
        raise ScaFailed(bank_id, "sca_unsupported", detail="EMBEDDED")
    if named == "DECOUPLED":
        return DECOUPLED
    if "scaOAuth" in links:
        return REDIRECT_OAUTH
    if named == "REDIRECT" or "scaRedirect" in links or "startAuthorisation" in links:
        return REDIRECT
    raise Reader(bank_id).fail("$._links", "no SCA link (scaOAuth, scaRedirect or "
                               "startAuthorisation) and no ASPSP-SCA-Approach")


def started(bank_id: str, header: str | None, payload: Any) -> ScaStarted:
    """201 of `POST /v1/consents/{id}/authorisations`."""
    read = Reader(bank_id)
    body = read.obj(payload, "$")
    status = read.choice(body, "scaStatus", "$", SCA_STATUSES)
    approach = approach_of(bank_id, header, body)
    links = read.obj(body.get("_links", {}), "$._links")
    redirect = None
    if approach == REDIRECT:
        target = read.obj(links.get("scaRedirect"), "$._links.scaRedirect")
        redirect = read.text(target, "href", "$._links.scaRedirect")
        if not redirect.startswith(("https://", "http://")):
            raise read.fail("$._links.scaRedirect.href", "expected an absolute URL")
    return ScaStarted(approach, read.text(body, "authorisationId", "$"), redirect,
                      read.text(body, "psuMessage", "$", required=False), status)


def progress(bank_id: str, payload: Any, retry_after: float | None) -> ScaProgress:
    """200 of `GET /v1/consents/{id}/authorisations/{authorisationId}`."""
    read = Reader(bank_id)
    status = read.choice(read.obj(payload, "$"), "scaStatus", "$", SCA_STATUSES)
    return ScaProgress(status, retry_after)
