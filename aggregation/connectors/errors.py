"""One typed error per way a bank call can fail. Every error names the bank and a `cause`
(a short machine word); `detail` is for operators and never carries tokens or account data.

Connectors raise only these: a raw httpx, json, KeyError or decimal exception never escapes.
`kind` mirrors `cause` for callers that duck-type (the consent package reads `exc.kind`).
"""

from __future__ import annotations


class BankError(Exception):
    cause = "error"
    retryable = False  # may an idempotent read be tried again?

    def __init__(self, bank_id: str, cause: str | None = None, detail: str = "",
                 retry_after: float | None = None) -> None:
        self.bank_id = bank_id
        self.cause = cause or type(self).cause
        self.detail = detail
        self.retry_after = retry_after
        super().__init__(f"{bank_id}: {self.cause}" + (f" ({detail})" if detail else ""))

    @property
    def kind(self) -> str:
        return self.cause


class BankTimeout(BankError):
    """No answer within the connect or read timeout."""

    cause = "timeout"
    retryable = True


class BankUnreachable(BankError):
    """Connection refused, DNS failure, TLS failure, connection reset."""

    cause = "connection_refused"
    retryable = True


class BankCertificateUntrusted(BankUnreachable):
    """The bank's TLS server certificate does not chain to a trusted anchor, or does not name
    the host: never retried, an operator must fix the trust."""

    cause = "certificate_untrusted"
    retryable = False


class BankUnauthorised(BankError):
    """The bank refused our credentials or the token (401), or the grant (invalid_grant)."""

    cause = "unauthorised"


class TokenExpired(BankUnauthorised):
    """The access token is no longer valid: refresh it and try again."""

    cause = "token_expired"


class ConsentGone(BankError):
    """The bank-side consent is revoked, expired or unknown: the PSU must authorise again.
    `cause` is `consent_revoked`, `consent_expired` or `consent_unknown`."""

    cause = "consent_gone"


class RateLimited(BankError):
    """429: too many calls, or the unattended reads for the day are used up (ACCESS_EXCEEDED).
    `retry_after` is in seconds when the bank said."""

    cause = "rate_limited"


class BadPayload(BankError):
    """The answer is not what the standard says: malformed or truncated JSON, a wrong content
    type, a missing field, a bad amount or currency."""

    cause = "bad_payload"


class BankServerError(BankError):
    """5xx from the bank."""

    cause = "server_error"
    retryable = True


class BankRejected(BankError):
    """The bank refused the request itself (400, 403, 404, 405 …) for a reason other than the
    consent or the token."""

    cause = "rejected"


class SecurityProfileViolation(BankError):
    """The bank's authorisation answer fails the security profile (FAPI 1.0 Advanced / the UK
    OB profile): an ID token or JARM response whose signature, `iss`, `aud`, `exp`, `nonce`,
    `c_hash`, `s_hash` or `state` is wrong, or the bank refused our request object. `cause`
    names the check (`id_token_signature`, `c_hash_mismatch`, `request_object_refused` …)."""

    cause = "security_profile"


class ScaFailed(BankError):
    """The PSU's strong customer authentication did not complete. `cause` is `sca_failed`
    (the PSU refused, or the bank ended the authorisation: `scaStatus` failed), `sca_timeout`
    (the decoupled approval did not come before the deadline; the TPP stopped waiting) or
    `sca_unsupported` (the bank answered an approach this service does not run: EMBEDDED)."""

    cause = "sca_failed"
