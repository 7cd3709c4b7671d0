"""HTTP towards banks: one pooled client per TLS identity (`http_client.BankClient`), explicit
timeouts, and every transport failure turned into a typed `BankError`."""

from __future__ import annotations

import datetime as dt
import json
import ssl
import uuid
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from aggregation.connectors.errors import (
    BadPayload,
    BankCertificateUntrusted,
    BankTimeout,
    BankUnreachable,
)
from aggregation.connectors.http_client import BankClient

JSON_TYPES = ("application/json",)


def mtls_context(cert_file: str, key_file: str, ca_file: str | None = None) -> ssl.SSLContext:
    """Client-certificate TLS towards a bank that asks for it (RFC 8705 / QWAC)."""
    context = ssl.create_default_context(cafile=ca_file)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    return context


class Transport:
    def __init__(self, bank_id: str, client: BankClient | httpx.Client, *, connect: float = 2.0,
                 read: float = 5.0) -> None:
        self.bank_id = bank_id
        self.client = client
        self.connect = connect
        self.read = read

    def timeout(self, cap: float | None) -> httpx.Timeout:
        read = self.read if cap is None else max(0.001, min(self.read, cap))
        connect = min(self.connect, read)
        return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)

    def send(self, method: str, url: str, *, headers: dict[str, str] | None = None,
             json_body: Any = None, form: dict[str, str] | None = None,
             timeout: float | None = None, auth: httpx.Auth | None = None) -> httpx.Response:
        extra = {"auth": auth} if auth is not None else {}  # else the client's own default
        try:
            return self.client.request(method, url, headers=headers, json=json_body, data=form,
                                       timeout=self.timeout(timeout), **extra)
        except httpx.TimeoutException as exc:
            raise BankTimeout(self.bank_id, detail=type(exc).__name__) from exc
        except httpx.ConnectError as exc:
            if _untrusted_certificate(exc):
                raise BankCertificateUntrusted(self.bank_id, detail="server certificate") \
                    from exc
            raise BankUnreachable(self.bank_id, detail="connect failed") from exc
        except (httpx.HTTPError, ssl.SSLError, OSError) as exc:
            raise BankUnreachable(self.bank_id, "transport_error", type(exc).__name__) from exc

    def json(self, response: httpx.Response) -> Any:
        """The body as JSON, or BadPayload for a wrong content type or broken JSON."""
        mimetype = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if not (mimetype in JSON_TYPES or mimetype.endswith("+json")):
            raise BadPayload(self.bank_id, "wrong_content_type", mimetype or "none")
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadPayload(self.bank_id, "malformed_json", type(exc).__name__) from exc

    def maybe_json(self, response: httpx.Response) -> Any:
        """An error body when there is a readable one, else None (errors may have no body)."""
        try:
            return self.json(response)
        except BadPayload:
            return None


def _untrusted_certificate(exc: BaseException) -> bool:
    """Did the handshake fail on the server's certificate (httpx wraps httpcore wraps ssl)?"""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def listed_codes(body: object, list_key: str, code_key: str) -> list[str]:
    """The `code_key` strings of the entries of `body[list_key]` (an error body's codes: OB
    `Errors[].ErrorCode`, Berlin Group `tppMessages[].code`), tolerating anything else."""
    if not isinstance(body, dict) or not isinstance(body.get(list_key), list):
        return []
    return [str(entry[code_key]) for entry in body[list_key]
            if isinstance(entry, dict) and isinstance(entry.get(code_key), str)]


def interaction_id() -> str:
    return str(uuid.uuid4())


def retry_after(response: httpx.Response, now: dt.datetime | None = None) -> float | None:
    """Seconds from a `Retry-After` header: delta-seconds or an HTTP-date."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (moment - now).total_seconds()) if moment.tzinfo else None
