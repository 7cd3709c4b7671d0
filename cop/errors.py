"""Payee-check errors, each a problem+json type carrying its scheme's own code.

EU VoP clients read the EPC error `code` (FORMAT_ERROR, TIMESTAMP_INVALID, CLIENT_INVALID,
CLIENT_INCONSISTENT); UK CoP clients read OB `Errors[]`. Both sit inside the same RFC 9457 body
as every other error of the API.
"""

from __future__ import annotations

from typing import Any

from core.errors import Forbidden, NotFound, Problem

EPC_ERROR_TYPE = "https://www.europeanpaymentscouncil.eu/vop/errors/"
UNKNOWN_FIELD = "Unknown field."


class VopError(Problem):
    """An EPC VoP error: `code` and its `type` URI alongside the problem fields."""

    slug = "bad-request"

    def __init__(self, code: str, detail: str, *, errors: dict | None = None,
                 status: int = 400, slug: str | None = None) -> None:
        extra: dict[str, Any] = {"code": code}
        if errors:
            extra["errors"] = errors
        super().__init__(detail, status=status, slug=slug, **extra)


def format_error(detail: str, errors: dict | None = None) -> VopError:
    return VopError("FORMAT_ERROR", detail, errors=errors)


def timestamp_invalid(detail: str) -> VopError:
    return VopError("TIMESTAMP_INVALID", detail)


def client_refused(code: str, detail: str, errors: dict | None = None) -> VopError:
    """CLIENT_INVALID or CLIENT_INCONSISTENT: the caller may not act as the requesting PSP
    it named. Authenticated but not entitled, so 403."""
    return VopError(code, detail, errors=errors, status=403, slug="forbidden")


class ObError(Problem):
    """A UK Open Banking error: `Code`, and `Errors[]` with `ErrorCode`, `Message`, `Path`."""

    slug = "bad-request"

    def __init__(self, detail: str, errors: list[dict[str, str]], *, status: int = 400,
                 slug: str | None = None) -> None:
        super().__init__(detail, status=status, slug=slug, Code=str(status), Errors=errors)


def ob_field_errors(messages: dict, prefix: str = "") -> list[dict[str, str]]:
    """marshmallow's nested messages as OB `Errors[]`, one per field."""
    out: list[dict[str, str]] = []
    for key, value in messages.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            out.extend(ob_field_errors(value, path))
        else:
            text = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
            code = ("UK.OBIE.Field.Unexpected" if text == UNKNOWN_FIELD
                    else "UK.OBIE.Field.Missing" if "required" in text.lower()
                    else "UK.OBIE.Field.Invalid")
            out.append({"ErrorCode": code, "Message": text, "Path": path})
    return out


class DisclosureLimited(Problem):
    """Too many answers that disclosed a holder's name: the next one waits."""

    slug = "rate-limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "Too many checks that disclose an account holder's name; retry later.",
            headers={"Retry-After": str(retry_after)},
        )


class NotBankOwner(Forbidden):
    """The client maintains no bank of the directory, or not the one it named."""


class AccountNotFound(NotFound):
    """No such account at a bank the client maintains."""


class JobNotFound(NotFound):
    """No such bulk job for the client polling it."""
